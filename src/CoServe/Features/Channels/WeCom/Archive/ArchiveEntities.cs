using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.Channels.WeCom.Archive;

/// <summary>
/// Where the archive of one app has been read to (the last seq) and what became of the records, advanced in the
/// same transaction as the timeline events and failures of the page it covers.
/// </summary>
public sealed class ArchiveCursor
{
    public string App { get; set; } = "";
    public long Seq { get; set; }
    /// <summary>When CoServe first pulled this app's archive (the lag's base until the first pull reaches the end).</summary>
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? LastPullAt { get; set; }
    /// <summary>The last pull that read the archive to its end; lag is measured from it.</summary>
    public DateTimeOffset? CaughtUpAt { get; set; }
    /// <summary>msgtime of the newest message read.</summary>
    public DateTimeOffset? NewestMessageAt { get; set; }
    public long Written { get; set; }
    public long SkippedNoConsent { get; set; }
    /// <summary>Not between staff and exactly one linked client: internal chats, unlinked contacts, groups without (or with several) linked clients.</summary>
    public long SkippedNoClient { get; set; }
    /// <summary>Switch records and repeats of messages already on the timeline.</summary>
    public long Ignored { get; set; }
    public long Failed { get; set; }
}

public enum ArchiveFailureReason
{
    /// <summary>No private key is configured for the record's publickey_ver.</summary>
    UnknownKeyVersion = 1,
    /// <summary>The random key does not decrypt with the configured key of that version (wrong key).</summary>
    KeyDecryptFailed = 2,
    /// <summary>The message does not decrypt with the random key (corrupt ciphertext).</summary>
    MessageDecryptFailed = 3,
    /// <summary>The plaintext is not a message of the documented shape.</summary>
    MalformedMessage = 4,
}

/// <summary>A record the puller could not read: seq, msgid and why, never content. The cursor moves past it.</summary>
public sealed class ArchiveFailure
{
    public long Id { get; private set; }
    public string App { get; set; } = "";
    public long Seq { get; set; }
    public string? MsgId { get; set; }
    public int PublicKeyVersion { get; set; }
    public ArchiveFailureReason Reason { get; set; }
    /// <summary>Which part was wrong (e.g. "tolist missing"); never message text.</summary>
    public string? Detail { get; set; }
    public DateTimeOffset At { get; set; }
}

internal sealed class ArchiveCursorConfiguration : IEntityTypeConfiguration<ArchiveCursor>
{
    public void Configure(EntityTypeBuilder<ArchiveCursor> b)
    {
        b.ToTable("WeComArchiveCursors");
        b.HasKey(x => x.App);
        b.Property(x => x.App).HasMaxLength(64);
    }
}

internal sealed class ArchiveFailureConfiguration : IEntityTypeConfiguration<ArchiveFailure>
{
    public void Configure(EntityTypeBuilder<ArchiveFailure> b)
    {
        b.ToTable("WeComArchiveFailures");
        b.Property(x => x.App).HasMaxLength(64);
        b.Property(x => x.MsgId).HasMaxLength(128);
        b.Property(x => x.Reason).HasConversion<string>().HasMaxLength(32);
        b.Property(x => x.Detail).HasMaxLength(200);
        b.HasIndex(x => new { x.App, x.Id });
    }
}
