using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.Channels.WeCom.Stored;

public enum WeComInboxState
{
    Pending = 0,
    Done = 1,
}

/// <summary>
/// One accepted callback: its de-duplication key and the work for the worker in one row, written before WeCom
/// gets its 200, so an acknowledged callback survives a crash and a retry of it is recognised.
/// </summary>
public sealed class WeComInboxEntry
{
    private WeComInboxEntry()
    {
    }

    public WeComInboxEntry(string keyHash, string app, string payload, DateTimeOffset receivedAt, DateTimeOffset expiresAt)
    {
        KeyHash = keyHash;
        App = app;
        Payload = payload;
        ReceivedAt = receivedAt;
        ExpiresAt = expiresAt;
        State = WeComInboxState.Pending;
    }

    public long Id { get; private set; }
    /// <summary>SHA-256 of the de-duplication key (MsgId, or the event's identifying fields).</summary>
    public string KeyHash { get; private set; } = "";
    public string App { get; private set; } = "";
    /// <summary>The decrypted callback as JSON; cleared once processed, so message text does not linger here.</summary>
    public string? Payload { get; set; }
    public DateTimeOffset ReceivedAt { get; private set; }
    /// <summary>The key is remembered until then (WeCom:DeduplicationWindowSeconds).</summary>
    public DateTimeOffset ExpiresAt { get; private set; }
    public WeComInboxState State { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset? LeaseUntil { get; set; }
    public DateTimeOffset? ProcessedAt { get; set; }
}

/// <summary>A sync position (kf/sync_msg cursor, contact-sync cursor, archive sequence).</summary>
public sealed class WeComCursor
{
    public string Key { get; set; } = "";
    public string Value { get; set; } = "";
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>An app's access token, shared by every node because gettoken is itself rate-limited.</summary>
public sealed class WeComAccessTokenEntry
{
    public string App { get; set; } = "";
    public string Token { get; set; } = "";
    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>An outbound message WeCom accepted, by the core's idempotency key.</summary>
public sealed class WeComDelivery
{
    public string IdempotencyKey { get; set; } = "";
    public string ProviderMessageId { get; set; } = "";
    public DateTimeOffset At { get; set; }
}

/// <summary>
/// One external contact as one staff member follows it. Names and remarks are not kept (not needed, and
/// personal data); the remark mobiles only as blind indexes, enough to match a client's mobile.
/// </summary>
public sealed class WeComContactRow
{
    public long Id { get; private set; }
    public string FollowUserId { get; set; } = "";
    public string ExternalUserId { get; set; } = "";
    /// <summary>1 WeChat user, 2 WeCom user.</summary>
    public int Type { get; set; }
    /// <summary>Tag ids, comma-separated.</summary>
    public string TagIds { get; set; } = "";
    /// <summary>Blind indexes (hex) of the remark mobiles the member set, comma-separated.</summary>
    public string RemarkMobileIndexes { get; set; } = "";
    public DateTimeOffset? AddedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>The member deleted the customer (or lost it by a transfer); kept for the history.</summary>
    public DateTimeOffset? DeletedAt { get; set; }
}

internal sealed class WeComInboxEntryConfiguration : IEntityTypeConfiguration<WeComInboxEntry>
{
    public void Configure(EntityTypeBuilder<WeComInboxEntry> b)
    {
        b.ToTable("WeComInbox");
        b.Property(x => x.KeyHash).HasMaxLength(64);
        b.Property(x => x.App).HasMaxLength(64);
        b.Property(x => x.State).HasConversion<int>();
        b.HasIndex(x => x.KeyHash).IsUnique();
        b.HasIndex(x => new { x.State, x.Id });
        b.HasIndex(x => x.ExpiresAt);
    }
}

internal sealed class WeComCursorConfiguration : IEntityTypeConfiguration<WeComCursor>
{
    public void Configure(EntityTypeBuilder<WeComCursor> b)
    {
        b.ToTable("WeComCursors");
        b.HasKey(x => x.Key);
        b.Property(x => x.Key).HasMaxLength(200);
        b.Property(x => x.Value).HasMaxLength(4000);
    }
}

internal sealed class WeComAccessTokenEntryConfiguration : IEntityTypeConfiguration<WeComAccessTokenEntry>
{
    public void Configure(EntityTypeBuilder<WeComAccessTokenEntry> b)
    {
        b.ToTable("WeComAccessTokens");
        b.HasKey(x => x.App);
        b.Property(x => x.App).HasMaxLength(64);
        b.Property(x => x.Token).HasMaxLength(512);
    }
}

internal sealed class WeComDeliveryConfiguration : IEntityTypeConfiguration<WeComDelivery>
{
    public void Configure(EntityTypeBuilder<WeComDelivery> b)
    {
        b.ToTable("WeComDeliveries");
        b.HasKey(x => x.IdempotencyKey);
        b.Property(x => x.IdempotencyKey).HasMaxLength(200);
        b.Property(x => x.ProviderMessageId).HasMaxLength(128);
    }
}

internal sealed class WeComContactRowConfiguration : IEntityTypeConfiguration<WeComContactRow>
{
    public void Configure(EntityTypeBuilder<WeComContactRow> b)
    {
        b.ToTable("WeComContacts");
        b.Property(x => x.FollowUserId).HasMaxLength(64);
        b.Property(x => x.ExternalUserId).HasMaxLength(64);
        b.Property(x => x.TagIds).HasMaxLength(2000);
        b.Property(x => x.RemarkMobileIndexes).HasMaxLength(1000);
        b.HasIndex(x => new { x.FollowUserId, x.ExternalUserId }).IsUnique();
        b.HasIndex(x => x.ExternalUserId);
    }
}
