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

/// <summary>What became of a quarantined record once a retry could read it.</summary>
public enum ArchiveResolution
{
    Written = 1,
    SkippedNoConsent = 2,
    SkippedNoClient = 3,
    /// <summary>A switch record, or a message already on the timeline.</summary>
    Ignored = 4,
}

/// <summary>
/// A record the puller could not read, quarantined: seq, msgid and why, plus the record as WeCom handed it out (the
/// RSA-encrypted random key and the encrypted message, never plaintext), so it can be read again once the right
/// private key is installed; WeCom itself drops it after 5 days. The cursor moves past it. Resolved rows keep seq,
/// msgid and the outcome and drop the ciphertext.
/// </summary>
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
    /// <summary>When the record first failed.</summary>
    public DateTimeOffset At { get; set; }
    public string? EncryptRandomKey { get; set; }
    public string? EncryptChatMsg { get; set; }
    /// <summary>Fingerprint of the private keys of the last attempt (<see cref="ArchiveKeyRing.Fingerprint"/>): a different key ring retries it.</summary>
    public string? KeysTried { get; set; }
    public int Attempts { get; set; } = 1;
    public DateTimeOffset? LastTriedAt { get; set; }
    public DateTimeOffset? ResolvedAt { get; set; }
    public ArchiveResolution? Resolution { get; set; }

    /// <summary>Quarantined and retryable: unresolved, with the record kept.</summary>
    public bool CanRetry => ResolvedAt is null && EncryptRandomKey is not null && EncryptChatMsg is not null;
}

public enum ArchiveGapKind
{
    /// <summary>Seqs are missing between two records read (or between the cursor and the first record of a page).</summary>
    SeqJump = 1,
    /// <summary>The last successful pull is older than WeCom's 5-day retention and the archive answered nothing: records may have expired unseen.</summary>
    CursorExpired = 2,
}

/// <summary>
/// Lost archive records detected by the puller: WeCom numbers records with increasing seqs, so a jump means records
/// CoServe will never see (expired before they were pulled). Alerted until an operator acknowledges it.
/// </summary>
public sealed class ArchiveGap
{
    public long Id { get; private set; }
    public string App { get; set; } = "";
    public ArchiveGapKind Kind { get; set; }
    /// <summary>The last seq read before the gap.</summary>
    public long AfterSeq { get; set; }
    /// <summary>The first seq read after the gap; null for <see cref="ArchiveGapKind.CursorExpired"/>.</summary>
    public long? BeforeSeq { get; set; }
    /// <summary>How many seqs are missing; null when unknown (<see cref="ArchiveGapKind.CursorExpired"/>).</summary>
    public long? Missing { get; set; }
    public DateTimeOffset DetectedAt { get; set; }
    public DateTimeOffset? AcknowledgedAt { get; set; }
    public string? AcknowledgedBy { get; set; }
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
        b.Property(x => x.KeysTried).HasMaxLength(64);
        b.Property(x => x.Resolution).HasConversion<string>().HasMaxLength(32);
        b.Ignore(x => x.CanRetry);
        b.HasIndex(x => new { x.App, x.Id });
        b.HasIndex(x => new { x.App, x.ResolvedAt });
    }
}

internal sealed class ArchiveGapConfiguration : IEntityTypeConfiguration<ArchiveGap>
{
    public void Configure(EntityTypeBuilder<ArchiveGap> b)
    {
        b.ToTable("WeComArchiveGaps");
        b.Property(x => x.App).HasMaxLength(64);
        b.Property(x => x.Kind).HasConversion<string>().HasMaxLength(32);
        b.Property(x => x.AcknowledgedBy).HasMaxLength(64);
        b.HasIndex(x => new { x.App, x.AcknowledgedAt });
    }
}
