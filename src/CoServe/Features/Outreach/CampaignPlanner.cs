using CoServe.Data;
using CoServe.Features.Channels.WeCom;
using CoServe.Features.Clients;
using CoServe.Features.Organization;
using CoServe.Platform.Auth;
using CoServe.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Outreach;

/// <summary>One content variant of a campaign as the planner and executor use it.</summary>
public sealed record PlannedVariant(string Label, int Weight, ContentVersion Content, OutboundCandidate Candidate, TextSketch Sketch)
{
    public static PlannedVariant Of(long campaignId, string label, int weight, ContentVersion content, string channel, OutboundPurpose purpose, bool urgent, bool personalised) =>
        new(label, weight, content,
            new OutboundCandidate(0, channel, OutboundSender.Campaign, null, purpose, content.MessageText(), content.RiskLevel?.ToString(), urgent)
            {
                Personalised = personalised,
                ContentVersionId = content.Id,
                CampaignId = campaignId == 0 ? null : campaignId,
                Title = content.Title,
            },
            TextSketch.Of(content.MessageText()));
}

/// <summary>The gate's answer for every client of an audience, before anything is sent.</summary>
public sealed class CampaignPlan(long[] clientIds, byte[] variants, GateOutcome[] outcomes, IReadOnlyList<PlannedVariant> plannedVariants)
{
    public long[] ClientIds { get; } = clientIds;

    /// <summary>Index into <see cref="PlannedVariants"/> per client.</summary>
    public byte[] Variants { get; } = variants;
    public GateOutcome[] Outcomes { get; } = outcomes;
    public IReadOnlyList<PlannedVariant> PlannedVariants { get; } = plannedVariants;

    public int Count => ClientIds.Length;

    public PlanSummary Summarise()
    {
        var verdicts = new Dictionary<GateVerdict, int>();
        var rules = new Dictionary<string, int>(StringComparer.Ordinal);
        var perVariant = new int[PlannedVariants.Count];
        var example = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < Outcomes.Length; i++)
        {
            var o = Outcomes[i];
            verdicts[o.Verdict] = verdicts.GetValueOrDefault(o.Verdict) + 1;
            if (o.Rule is { } r)
            {
                rules[r] = rules.GetValueOrDefault(r) + 1;
                if (o.Explanation is { } e) example.TryAdd(r, e);
            }
            if (o.Passes) perVariant[Variants[i]]++;
        }
        return new PlanSummary(
            Count,
            verdicts.GetValueOrDefault(GateVerdict.Allow) + verdicts.GetValueOrDefault(GateVerdict.Warn),
            verdicts.GetValueOrDefault(GateVerdict.Defer),
            verdicts.GetValueOrDefault(GateVerdict.Block),
            [.. rules.OrderByDescending(r => r.Value).Select(r => new RuleCount(r.Key, r.Value, example.GetValueOrDefault(r.Key)))],
            [.. PlannedVariants.Select((v, i) => new VariantCount(v.Label, v.Content.Title, perVariant[i]))]);
    }
}

public sealed record RuleCount(string Rule, int Clients, string? Example);

public sealed record VariantCount(string Label, string Title, int WouldSend);

public sealed record PlanSummary(int Audience, int WouldSend, int Deferred, int Blocked, IReadOnlyList<RuleCount> HeldBackBy, IReadOnlyList<VariantCount> Variants);

/// <summary>
/// Plans a campaign: the audience plus a gate decision for each client, from facts read in bulk (one pass per
/// source, in client-id order) and decided in memory by the same <see cref="GateRules"/> the per-message gate
/// uses. A million clients take seconds and a few tens of megabytes: facts live in arrays indexed like the
/// sorted client ids, and only the sends that could match the content (same numbers, comparable length) are
/// read from the de-duplication window.
/// </summary>
public sealed class CampaignPlanner(
    CoServeDb db,
    Audiences audiences,
    IOpenComplaints complaints,
    StaffDirectory directory,
    IOptions<OutreachOptions> options,
    IOptions<ClientsOptions> clientsOptions,
    IOptions<WeComOptions> weComOptions,
    TimeProvider clock)
{
    public GateRules Rules { get; } = new(options.Value.Gate, clientsOptions.Value.SuitabilityValidityMonths, weComOptions.Value.GroupMessageCap);

    /// <summary>Stable A/B assignment: the same client always gets the same variant of a campaign.</summary>
    public static int VariantFor(long campaignId, long clientId, IReadOnlyList<int> weights)
    {
        if (weights.Count == 1) return 0;
        var h = unchecked((ulong)((campaignId * 1_000_003L) ^ clientId));
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        var bucket = (int)(h % 100);
        var sum = 0;
        for (var i = 0; i < weights.Count; i++)
        {
            sum += weights[i];
            if (bucket < sum) return i;
        }
        return weights.Count - 1;
    }

    public async Task<CampaignPlan> PlanAsync(CurrentStaff scope, AudienceFilter filter, IReadOnlyList<PlannedVariant> variants, CancellationToken ct)
    {
        if (variants.Count == 0) throw new ArgumentException("a campaign needs content", nameof(variants));
        var first = variants[0].Candidate;
        var now = clock.GetUtcNow();
        var today = BusinessTime.DateOf(now);
        var gate = Rules.Options;

        // 1. The audience, in id order, with the suitability facts.
        var ids = new List<long>();
        var levels = new List<SuitabilityLevel?>();
        var assessed = new List<DateOnly?>();
        var professional = new List<bool>();
        var query = await audiences.QueryAsync(scope, filter, ct);
        await foreach (var c in query.OrderBy(c => c.Id).Select(c => new { c.Id, c.SuitabilityLevel, c.SuitabilityAssessedOn, c.IsProfessionalInvestor }).AsAsyncEnumerable().WithCancellation(ct))
        {
            ids.Add(c.Id);
            levels.Add(c.SuitabilityLevel);
            assessed.Add(c.SuitabilityAssessedOn);
            professional.Add(c.IsProfessionalInvestor);
            if (ids.Count > options.Value.Campaigns.MaxAudience) throw new ArgumentException($"the audience is larger than {options.Value.Campaigns.MaxAudience:N0} clients; narrow it", nameof(filter));
        }
        var idArray = ids.ToArray();
        var n = idArray.Length;
        int IndexOf(long id) => Array.BinarySearch(idArray, id);

        // 2. Consents the purpose needs; opt-outs of this channel.
        var category = GateRules.CategoryOf(first.Purpose)!.Value;
        var marketing = new bool[n];
        var service = new bool[n];
        var personalised = new sbyte[n];
        var purposes = new List<ConsentPurpose>();
        if (category is OutboundCategory.Marketing or OutboundCategory.Research) purposes.Add(ConsentPurpose.Marketing);
        else purposes.Add(ConsentPurpose.ServiceMessages);
        if (first.Personalised) purposes.Add(ConsentPurpose.PersonalisedPush);
        if (gate.Consent.Enabled && n > 0)
        {
            await foreach (var c in db.ClientConsents.AsNoTracking().Where(x => purposes.Contains(x.Purpose)).Select(x => new { x.ClientId, x.Purpose, x.Granted }).AsAsyncEnumerable().WithCancellation(ct))
            {
                var i = IndexOf(c.ClientId);
                if (i < 0) continue;
                switch (c.Purpose)
                {
                    case ConsentPurpose.Marketing: marketing[i] = c.Granted; break;
                    case ConsentPurpose.ServiceMessages: service[i] = c.Granted; break;
                    case ConsentPurpose.PersonalisedPush: personalised[i] = c.Granted ? (sbyte)1 : (sbyte)-1; break;
                    default: break;
                }
            }
        }
        var optedOut = new Dictionary<int, OptOutPurposes>();
        var channelKey = OutreachChannels.OptOutKey(first.Channel);
        await foreach (var o in db.OutreachOptOuts.AsNoTracking().Where(x => x.Channel == channelKey || x.Channel == OutreachChannels.AllChannels).Select(x => new { x.ClientId, x.Purposes }).AsAsyncEnumerable().WithCancellation(ct))
        {
            var i = IndexOf(o.ClientId);
            if (i >= 0) optedOut[i] = optedOut.GetValueOrDefault(i) | o.Purposes;
        }

        // 3. Open complaints (few), cap counters of the current periods, WeCom group counts.
        var complaintMatters = gate.OpenComplaint.Enabled
            && (first.Purpose == OutboundPurpose.Marketing || (first.Purpose == OutboundPurpose.Research && gate.OpenComplaint.AlsoResearch));
        var openComplaints = complaintMatters && n > 0 ? await complaints.WithOpenComplaintsAsync(ids, ct) : new HashSet<long>();
        var counts = new Dictionary<int, CapCounts>();
        if (Rules.IsCapped(first))
        {
            var d = GateCounters.PeriodStart(CapPeriod.Day, today);
            var w = GateCounters.PeriodStart(CapPeriod.Week, today);
            var m = GateCounters.PeriodStart(CapPeriod.Month, today);
            await foreach (var c in db.GateCounters.AsNoTracking()
                .Where(x => x.Category == category && ((x.Period == CapPeriod.Day && x.PeriodStart == d) || (x.Period == CapPeriod.Week && x.PeriodStart == w) || (x.Period == CapPeriod.Month && x.PeriodStart == m)))
                .Select(x => new { x.ClientId, x.Period, x.Count }).AsAsyncEnumerable().WithCancellation(ct))
            {
                var i = IndexOf(c.ClientId);
                if (i < 0) continue;
                var current = counts.GetValueOrDefault(i);
                counts[i] = c.Period switch
                {
                    CapPeriod.Day => current with { Day = c.Count },
                    CapPeriod.Week => current with { Week = c.Count },
                    _ => current with { Month = c.Count },
                };
            }
        }
        var groupCounts = new Dictionary<int, int>();
        if (first.Channel == OutreachChannels.WeComGroup && gate.WeComGroupCap.Enabled)
        {
            var (key, _) = WeComGroupMessages.Period(weComOptions.Value.GroupMessageCap, today);
            await foreach (var q in db.WeComGroupQuotas.AsNoTracking().Where(q => q.PeriodKey == key)
                .Join(db.Clients, q => q.ExternalUserId, c => c.WeComExternalUserId, (q, c) => new { c.Id, q.Count }).AsAsyncEnumerable().WithCancellation(ct))
            {
                var i = IndexOf(q.Id);
                if (i >= 0) groupCounts[i] = q.Count;
            }
        }

        // 4. What each client already received that matches a variant's content.
        var campaignId = first.CampaignId ?? 0;
        var weights = variants.Select(v => v.Weight).ToList();
        var variantOf = new byte[n];
        for (var i = 0; i < n; i++) variantOf[i] = (byte)VariantFor(campaignId, idArray[i], weights);
        var duplicates = new Dictionary<int, PreviousSend>();
        var dedup = variants.Select((v, index) => (v, index)).Where(x => Rules.DeduplicationApplies(x.v.Candidate, x.v.Sketch)).ToList();
        if (dedup.Count > 0 && n > 0)
        {
            var since = now.AddDays(-gate.Deduplication.WindowDays);
            var theta = gate.Deduplication.NearDuplicateJaccard;
            foreach (var (v, index) in dedup)
            {
                var s = v.Sketch;
                // A near duplicate has the same numbers and a comparable length (Jaccard <= shorter/longer).
                var lo = (int)Math.Floor(s.Shingles * theta);
                var hi = (int)Math.Ceiling(s.Shingles / theta);
                await foreach (var r in db.OutboundSends.AsNoTracking()
                    .Where(x => x.At >= since && (x.Fingerprint == s.Fingerprint || (x.NumbersHash == s.NumbersHash && x.Shingles >= lo && x.Shingles <= hi)))
                    .Select(x => new { x.ClientId, x.Sender, x.SenderStaffId, x.At, x.Title, x.Fingerprint, x.NumbersHash, x.Shingles, x.Sketch })
                    .AsAsyncEnumerable().WithCancellation(ct))
                {
                    var i = IndexOf(r.ClientId);
                    if (i < 0 || variantOf[i] != index) continue;
                    var similarity = s.Compare(r.Fingerprint, r.NumbersHash, r.Shingles, TextSketch.Read(r.Sketch));
                    if (!Rules.IsDuplicate(similarity)) continue;
                    if (!duplicates.TryGetValue(i, out var best) || (similarity.Exact && !best.Similarity.Exact) || (similarity.Exact == best.Similarity.Exact && r.At > best.At))
                    {
                        duplicates[i] = new PreviousSend(r.Sender, r.SenderStaffId, r.At, r.Title, similarity);
                    }
                }
            }
        }
        Func<int, string>? names = duplicates.Values.Any(d => d.Sender == OutboundSender.Staff) ? (await directory.GetAsync(ct)).StaffName : null;

        // 5. One decision per client.
        var outcomes = new GateOutcome[n];
        for (var i = 0; i < n; i++)
        {
            var facts = new ClientGateFacts(
                true, levels[i], assessed[i], professional[i], marketing[i], service[i],
                personalised[i] == 0 ? null : personalised[i] > 0,
                optedOut.GetValueOrDefault(i), openComplaints.Contains(idArray[i]), groupCounts.GetValueOrDefault(i));
            outcomes[i] = Rules.Decide(variants[variantOf[i]].Candidate, facts, duplicates.GetValueOrDefault(i), counts.GetValueOrDefault(i), now, names);
        }
        return new CampaignPlan(idArray, variantOf, outcomes, variants);
    }
}
