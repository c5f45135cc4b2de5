using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.ServiceOfficer.RuleLists;

/// <summary>Where the offer of one release's shipped rules stands.</summary>
public enum RuleReleaseStatus
{
    /// <summary>Waiting for Compliance: accept all or some (a draft), or dismiss.</summary>
    Pending = 1,
    /// <summary>Compliance started a draft with the accepted rules; it goes through the normal approval.</summary>
    Drafted = 2,
    /// <summary>The draft was approved: the release is reconciled (rules not accepted were declined).</summary>
    Applied = 3,
    /// <summary>Compliance declined the whole release, with a reason.</summary>
    Dismissed = 4,
    /// <summary>A newer release arrived before a decision; the newer offer covers both.</summary>
    Superseded = 5,
    /// <summary>The release changed only rules the brokerage had edited or deleted: nothing to offer, recorded for the audit.</summary>
    NothingOffered = 6,
}

/// <summary>What a release did to one rule, compared with the rules the previous release shipped.</summary>
public enum ReleaseChange
{
    Added = 1,
    Changed = 2,
    Retired = 3,
}

/// <summary>Whether a release's change to one rule is offered, and if not, why.</summary>
public enum ReleaseOffer
{
    Offered = 1,
    /// <summary>The list in force already has the shipped rule as it now ships.</summary>
    AlreadyInForce = 2,
    /// <summary>Compliance edited the rule (or disabled it) since it shipped: their version stays.</summary>
    EditedLocally = 3,
    /// <summary>Compliance deleted the shipped rule: it is not brought back.</summary>
    DeletedLocally = 4,
    /// <summary>The brokerage has its own rule with the id the release adds: theirs stays.</summary>
    LocalRuleWithSameId = 5,
}

/// <summary>One rule a release changed: the shipped rule before and after, the list's rule now, and whether it is offered.</summary>
public sealed record ReleaseItem<TRule>(string RuleId, ReleaseChange Change, ReleaseOffer Offer, TRule? Previous, TRule? Shipped, TRule? InForce, IReadOnlyList<string> Fields)
{
    public bool IsOffered => Offer == ReleaseOffer.Offered;
}

/// <summary>
/// The shipped rules of one release of CoServe, as they reached a store whose approved list Compliance owns. The
/// approved list is never changed by a release: the difference to the rules the previous release shipped
/// (<see cref="BaselineRulesJson"/>) is offered to Compliance, who accept all or some of it as a draft of the list
/// (approved the normal way) or dismiss it. Once decided, <see cref="ShippedRulesJson"/> is the baseline the next
/// release is compared with, so a rule the brokerage edited, deleted or declined is not offered again. One row per
/// kind and shipped rule set (<see cref="ShippedHash"/>, unique): restarts and other nodes never offer it twice.
/// </summary>
public sealed class RuleListRelease
{
    private RuleListRelease()
    {
    }

    public RuleListRelease(RuleListKind kind, string shippedHash, string shippedRulesJson, string baselineRulesJson, RuleReleaseStatus status, string summary, DateTimeOffset now)
    {
        Kind = kind;
        ShippedHash = shippedHash;
        ShippedRulesJson = shippedRulesJson;
        BaselineRulesJson = baselineRulesJson;
        Status = status;
        Summary = Cut(summary, MaxSummary);
        FoundAt = now;
        if (status != RuleReleaseStatus.Pending)
        {
            DecidedBy = SystemActor;
            DecidedAt = now;
        }
    }

    /// <summary>Who records what a release shipped, and supersedes an undecided offer.</summary>
    public const string SystemActor = "system";

    public const int MaxSummary = 1000;
    public const int MaxNote = 500;

    public long Id { get; private set; }
    public RuleListKind Kind { get; private set; }

    /// <summary>SHA-256 (hex) of the shipped rules as stored: what identifies a release's rules.</summary>
    public string ShippedHash { get; private set; } = "";
    public string ShippedRulesJson { get; private set; } = "[]";

    /// <summary>The rules shipped by the release the store was last reconciled with (or version 1's, seeded from the code).</summary>
    public string BaselineRulesJson { get; private set; } = "[]";
    public RuleReleaseStatus Status { get; private set; }

    /// <summary>What the release changed, by rule id ("added a; changed b; retired c").</summary>
    public string Summary { get; private set; } = "";
    public DateTimeOffset FoundAt { get; private set; }

    /// <summary>The draft Compliance started from this release (while <see cref="RuleReleaseStatus.Drafted"/>, and after).</summary>
    public long? DraftListId { get; private set; }
    public string? DecidedBy { get; private set; }
    public DateTimeOffset? DecidedAt { get; private set; }
    public string? Note { get; private set; }

    public int Revision { get; private set; }

    /// <summary>Decided: its shipped rules are what the list was reconciled with.</summary>
    public bool IsDecided => Status is RuleReleaseStatus.Applied or RuleReleaseStatus.Dismissed or RuleReleaseStatus.NothingOffered;

    public bool IsOpen => Status is RuleReleaseStatus.Pending or RuleReleaseStatus.Drafted;

    public void Drafted(long draftListId, string by, string note, DateTimeOffset now)
    {
        if (Status != RuleReleaseStatus.Pending) throw new InvalidOperationException($"release {Id} is {Status}; only a pending release is drafted");
        Status = RuleReleaseStatus.Drafted;
        DraftListId = draftListId;
        DecidedBy = by;
        DecidedAt = now;
        Note = Cut(note, MaxNote);
        Revision++;
    }

    /// <summary>The release's draft was rejected: the release is offered again.</summary>
    public void Reopen()
    {
        if (Status != RuleReleaseStatus.Drafted) throw new InvalidOperationException($"release {Id} is {Status}; only a drafted release reopens");
        Status = RuleReleaseStatus.Pending;
        DraftListId = null;
        DecidedBy = null;
        DecidedAt = null;
        Note = null;
        Revision++;
    }

    public void Applied(string by, DateTimeOffset now)
    {
        if (Status != RuleReleaseStatus.Drafted) throw new InvalidOperationException($"release {Id} is {Status}; only a drafted release is applied");
        Status = RuleReleaseStatus.Applied;
        DecidedBy = by;
        DecidedAt = now;
        Revision++;
    }

    public void Dismiss(string by, string reason, DateTimeOffset now)
    {
        if (Status != RuleReleaseStatus.Pending) throw new InvalidOperationException($"release {Id} is {Status}; only a pending release is dismissed");
        Status = RuleReleaseStatus.Dismissed;
        DecidedBy = by;
        DecidedAt = now;
        Note = Cut(reason, MaxNote);
        Revision++;
    }

    public void Supersede(DateTimeOffset now)
    {
        if (!IsOpen) throw new InvalidOperationException($"release {Id} is {Status}; only an open release is superseded");
        Status = RuleReleaseStatus.Superseded;
        DecidedBy = SystemActor;
        DecidedAt = now;
        Revision++;
    }

    private static string Cut(string s, int max) => s.Length > max ? s[..(max - 1)] + "…" : s;
}

/// <summary>
/// How a release's shipped rules compare with the previous release's and with the list in force. Pure: the same
/// inputs give the same offer on every node and after every restart.
/// </summary>
public static class ReleaseDiff
{
    /// <summary>The hash that identifies a shipped rule set (of its stored JSON).</summary>
    public static string Hash(string rulesJson) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(rulesJson)));

    /// <summary>
    /// Every rule the release added, changed or retired (<paramref name="baseline"/> to <paramref name="shipped"/>), in
    /// shipped order (retired last), with whether it is offered against <paramref name="inForce"/>: a change is offered
    /// only where the list still has the rule as it shipped before (not edited, disabled or deleted by the brokerage).
    /// </summary>
    public static IReadOnlyList<ReleaseItem<TRule>> Compare<TRule>(IReadOnlyList<TRule> baseline, IReadOnlyList<TRule> shipped, IReadOnlyList<TRule> inForce)
        where TRule : class, IListedRule<TRule>
    {
        var items = new List<ReleaseItem<TRule>>();
        var local = inForce.ToDictionary(r => r.Id, StringComparer.Ordinal);
        foreach (var d in RuleDiffs.Diff(baseline, shipped))
        {
            local.TryGetValue(d.RuleId, out var now);
            if (d.Before is null)
            {
                var offer = now is null ? ReleaseOffer.Offered : now.Equals(d.After) ? ReleaseOffer.AlreadyInForce : ReleaseOffer.LocalRuleWithSameId;
                items.Add(new(d.RuleId, ReleaseChange.Added, offer, null, d.After, now, d.Fields));
            }
            else if (d.After is null)
            {
                var offer = now is null ? ReleaseOffer.AlreadyInForce : now.Equals(d.Before) ? ReleaseOffer.Offered : ReleaseOffer.EditedLocally;
                items.Add(new(d.RuleId, ReleaseChange.Retired, offer, d.Before, null, now, d.Fields));
            }
            else
            {
                var offer = now is null ? ReleaseOffer.DeletedLocally
                    : now.Equals(d.After) ? ReleaseOffer.AlreadyInForce
                    : now.Equals(d.Before) ? ReleaseOffer.Offered
                    : ReleaseOffer.EditedLocally;
                items.Add(new(d.RuleId, ReleaseChange.Changed, offer, d.Before, d.After, now, d.Fields));
            }
        }
        return items;
    }

    /// <summary>
    /// The list in force with the accepted offered items applied: a changed rule replaced where it stands, a retired
    /// rule removed, an added rule placed after the shipped rule before it (or last).
    /// </summary>
    public static List<TRule> Apply<TRule>(IReadOnlyList<TRule> inForce, IReadOnlyList<TRule> shipped, IEnumerable<ReleaseItem<TRule>> accepted)
        where TRule : class, IListedRule<TRule>
    {
        var rules = inForce.ToList();
        foreach (var item in accepted)
        {
            if (!item.IsOffered) throw new ArgumentException($"rule {item.RuleId}: not offered ({item.Offer})");
            var at = rules.FindIndex(r => r.Id == item.RuleId);
            switch (item.Change)
            {
                case ReleaseChange.Changed:
                    rules[at] = item.Shipped!;
                    break;
                case ReleaseChange.Retired:
                    rules.RemoveAt(at);
                    break;
                case ReleaseChange.Added:
                    var position = -1;
                    for (var s = IndexOf(shipped, item.RuleId) - 1; s >= 0 && position < 0; s--)
                    {
                        position = rules.FindIndex(r => r.Id == shipped[s].Id);
                    }
                    rules.Insert(position + 1 == 0 ? rules.Count : position + 1, item.Shipped!);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(accepted), item.Change, "unknown release change");
            }
        }
        return rules;
    }

    private static int IndexOf<TRule>(IReadOnlyList<TRule> rules, string id)
        where TRule : IListedRule<TRule>
    {
        for (var i = 0; i < rules.Count; i++)
        {
            if (rules[i].Id == id) return i;
        }
        return -1;
    }

    /// <summary>"added a, b; changed c; retired d" for the audit and the notice.</summary>
    public static string Describe<TRule>(IEnumerable<ReleaseItem<TRule>> items)
    {
        var parts = items.GroupBy(i => i.Change).OrderBy(g => g.Key)
            .Select(g => $"{g.Key.ToString().ToLowerInvariant()} {string.Join(", ", g.Select(i => i.RuleId))}");
        var text = string.Join("; ", parts);
        return text.Length == 0 ? "no rule changed" : text;
    }
}

internal sealed class RuleListReleaseConfiguration : IEntityTypeConfiguration<RuleListRelease>
{
    public void Configure(EntityTypeBuilder<RuleListRelease> b)
    {
        b.ToTable("RuleListReleases");
        b.Property(x => x.Kind).HasConversion<string>().HasMaxLength(12);
        b.Property(x => x.Status).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.ShippedHash).HasMaxLength(64);
        b.Property(x => x.Summary).HasMaxLength(RuleListRelease.MaxSummary);
        b.Property(x => x.DecidedBy).HasMaxLength(64);
        b.Property(x => x.Note).HasMaxLength(RuleListRelease.MaxNote);
        b.Property(x => x.Revision).IsConcurrencyToken();
        b.Ignore(x => x.IsDecided);
        b.Ignore(x => x.IsOpen);
        b.HasIndex(x => new { x.Kind, x.ShippedHash }).IsUnique();
        b.HasIndex(x => new { x.Kind, x.Status });
        b.HasOne<RuleList>().WithMany().HasForeignKey(x => x.DraftListId).OnDelete(DeleteBehavior.SetNull);
    }
}
