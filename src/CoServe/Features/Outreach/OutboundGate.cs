using System.Diagnostics.Metrics;
using CoServe.Data;
using CoServe.Features.Channels.WeCom;
using CoServe.Features.Clients;
using CoServe.Features.Organization;
using CoServe.Platform.Time;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Outreach;

/// <summary>What the gate decided and the text sketch it computed (campaigns reuse it for the send ledger).</summary>
public sealed record GateResult(GateOutcome Outcome, TextSketch Sketch)
{
    public GateDecision Decision => Outcome.ToDecision();
}

/// <summary>
/// The one outbound gate (DESIGN tenet 4) over the store: loads what it needs about one client in a few
/// indexed reads (consents, opt-outs, the send ledger of the de-duplication window, cap counters), asks the
/// pure <see cref="GateRules"/>, takes the cap slots atomically, records the decision and the send. Decisions
/// for one client are serialised by a per-client row lock held to the end of the sender's transaction, so
/// caps and the de-duplication window hold under concurrency. Never scans the timeline.
/// </summary>
public sealed class OutboundGate(
    CoServeDb db,
    IOpenComplaints complaints,
    StaffDirectory directory,
    OutreachMetrics metrics,
    IOptions<OutreachOptions> options,
    IOptions<ClientsOptions> clientsOptions,
    IOptions<WeComOptions> weComOptions,
    TimeProvider clock) : IOutboundGate
{
    private GateRules? _rules;

    public GateRules Rules => _rules ??= new GateRules(options.Value.Gate, clientsOptions.Value.SuitabilityValidityMonths, weComOptions.Value.GroupMessageCap);

    public async Task<GateDecision> CheckAsync(OutboundCandidate candidate, CancellationToken ct) =>
        (await DecideAsync(candidate, ct)).Decision;

    public Task<GateResult> DecideAsync(OutboundCandidate c, CancellationToken ct) => DecideAsync(c, addToLedger: true, ct);

    /// <param name="c">The message.</param>
    /// <param name="addToLedger">False when the caller records the send itself later (WeCom group tasks).</param>
    /// <param name="ct">Cancellation.</param>
    public async Task<GateResult> DecideAsync(OutboundCandidate c, bool addToLedger, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var rules = Rules;
        var sketch = TextSketch.Of(c.Text);
        var facts = await LoadFactsAsync(c, now, ct);
        if (!facts.Known)
        {
            var unknown = rules.Decide(c, facts, null, default, now);
            metrics.Decided(unknown);
            return new GateResult(unknown, sketch);
        }

        var ownTransaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        GateOutcome outcome;
        try
        {
            // From here until the sender commits, other decisions for this client wait: the ledger and the
            // counters read below cannot change underneath this decision.
            await LockClientAsync(c.ClientId, ct);
            PreviousSend? duplicate = null;
            if (rules.DeduplicationApplies(c, sketch))
            {
                var since = now.AddDays(-rules.Options.Deduplication.WindowDays);
                var recent = await db.OutboundSends.AsNoTracking()
                    .Where(s => s.ClientId == c.ClientId && s.At >= since)
                    .Select(s => new RecentSend(s.Sender, s.SenderStaffId, s.At, s.Title, s.Fingerprint, s.NumbersHash, s.Shingles, s.Sketch))
                    .ToListAsync(ct);
                recent.AddRange(db.OutboundSends.Local.Where(s => s.ClientId == c.ClientId && s.At >= since).Select(s => s.ToRecent()));
                duplicate = rules.FindDuplicate(sketch, recent, now);
            }
            var category = GateRules.CategoryOf(c.Purpose);
            var capped = rules.IsCapped(c) && category is not null;
            var today = BusinessTime.DateOf(now);
            var counts = capped ? await GateCounters.ReadAsync(db, c.ClientId, category!.Value, today, ct) : default;
            Func<int, string>? names = null;
            if (duplicate is { Sender: OutboundSender.Staff })
            {
                var snapshot = await directory.GetAsync(ct);
                names = snapshot.StaffName;
            }
            outcome = rules.Decide(c, facts, duplicate, counts, now, names);
            if (outcome.Passes && capped)
            {
                var caps = rules.Options.Caps.For(category!.Value);
                if (await GateCounters.TryReserveAsync(db, c.ClientId, category.Value, caps, today, ct) is { } full)
                {
                    // Only possible when the counters moved outside the lock (an operator's correction).
                    outcome = rules.Decide(c, facts, duplicate, WithCount(counts, full, caps.For(full)), now, names);
                }
            }
            if (!(c.Purpose == OutboundPurpose.ConversationReply && outcome.Verdict == GateVerdict.Allow))
            {
                await RecordAsync(new GateDecisionRecord(c, sketch.Fingerprint, outcome, now), ct);
            }
            if (outcome.Passes && addToLedger)
            {
                var send = new OutboundSend(c, sketch, now);
                // In the sender's transaction the send is saved with its message; without one it counts from here.
                if (ownTransaction is null) db.OutboundSends.Add(send);
                else await InsertSendAsync(send, ct);
            }
            if (ownTransaction is not null) await ownTransaction.CommitAsync(ct);
        }
        finally
        {
            if (ownTransaction is not null) await ownTransaction.DisposeAsync();
        }
        metrics.Decided(outcome);
        return new GateResult(outcome, sketch);
    }

    private Task<int> LockClientAsync(long clientId, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO "GateClientLocks" ("ClientId", "Decisions") VALUES ({clientId}, 1)
            ON CONFLICT ("ClientId") DO UPDATE SET "Decisions" = "GateClientLocks"."Decisions" + 1
            """, ct);

    private Task<int> InsertSendAsync(OutboundSend s, CancellationToken ct)
    {
        object at = db.IsSqlite ? s.At.UtcTicks : s.At;
        return db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO "OutboundSends" ("ClientId", "At", "Channel", "Sender", "SenderStaffId", "Purpose", "Fingerprint", "NumbersHash", "Shingles", "Sketch", "ContentVersionId", "CampaignId", "Title", "Warned")
            VALUES ({s.ClientId}, {at}, {s.Channel}, {(short)s.Sender}, {s.SenderStaffId}, {(short)s.Purpose}, {s.Fingerprint}, {s.NumbersHash}, {s.Shingles}, {s.Sketch}, {s.ContentVersionId}, {s.CampaignId}, {s.Title}, {s.Warned})
            """, ct);
    }

    private static CapCounts WithCount(CapCounts counts, CapPeriod period, int count) => period switch
    {
        CapPeriod.Day => counts with { Day = count },
        CapPeriod.Week => counts with { Week = count },
        CapPeriod.Month => counts with { Month = count },
        _ => counts,
    };

    private async Task<ClientGateFacts> LoadFactsAsync(OutboundCandidate c, DateTimeOffset now, CancellationToken ct)
    {
        var client = await db.Clients.AsNoTracking()
            .Where(x => x.Id == c.ClientId)
            .Select(x => new { x.SuitabilityLevel, x.SuitabilityAssessedOn, x.IsProfessionalInvestor, x.WeComExternalUserId })
            .SingleOrDefaultAsync(ct);
        if (client is null) return default;
        if (c.Purpose == OutboundPurpose.ConversationReply)
        {
            return new ClientGateFacts(true, client.SuitabilityLevel, client.SuitabilityAssessedOn, client.IsProfessionalInvestor, false, false, null, OptOutPurposes.None, false, 0);
        }
        var consents = await db.ClientConsents.AsNoTracking()
            .Where(x => x.ClientId == c.ClientId && (x.Purpose == ConsentPurpose.Marketing || x.Purpose == ConsentPurpose.ServiceMessages || x.Purpose == ConsentPurpose.PersonalisedPush))
            .Select(x => new { x.Purpose, x.Granted })
            .ToListAsync(ct);
        var channelKey = OutreachChannels.OptOutKey(c.Channel);
        var optOuts = await db.OutreachOptOuts.AsNoTracking()
            .Where(x => x.ClientId == c.ClientId && (x.Channel == channelKey || x.Channel == OutreachChannels.AllChannels))
            .Select(x => x.Purposes)
            .ToListAsync(ct);
        var gate = Rules.Options;
        var complaintMatters = gate.OpenComplaint.Enabled
            && (c.Purpose == OutboundPurpose.Marketing || (c.Purpose == OutboundPurpose.Research && gate.OpenComplaint.AlsoResearch));
        var openComplaint = complaintMatters && await complaints.HasOpenComplaintAsync(c.ClientId, ct);
        var groupCount = 0;
        if (c.Channel == OutreachChannels.WeComGroup && gate.WeComGroupCap.Enabled && client.WeComExternalUserId is { } external)
        {
            var (key, _) = WeComGroupMessages.Period(weComOptions.Value.GroupMessageCap, BusinessTime.DateOf(now));
            groupCount = await StoredWeComGroupMessageLedger.CountAsync(db, external, key, ct);
        }
        bool? personalised = consents.FirstOrDefault(x => x.Purpose == ConsentPurpose.PersonalisedPush) is { } p ? p.Granted : null;
        return new ClientGateFacts(
            true,
            client.SuitabilityLevel,
            client.SuitabilityAssessedOn,
            client.IsProfessionalInvestor,
            consents.Any(x => x.Purpose == ConsentPurpose.Marketing && x.Granted),
            consents.Any(x => x.Purpose == ConsentPurpose.ServiceMessages && x.Granted),
            personalised,
            optOuts.Aggregate(OptOutPurposes.None, (a, b) => a | b),
            openComplaint,
            groupCount);
    }

    private Task<int> RecordAsync(GateDecisionRecord r, CancellationToken ct)
    {
        // Raw SQL, not SaveChanges: the caller's unit of work may hold changes it has not decided to save yet.
        object at = db.IsSqlite ? r.At.UtcTicks : r.At;
        object? deferUntil = r.DeferUntil is { } d ? (db.IsSqlite ? d.UtcTicks : d) : null;
        return db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO "GateDecisions" ("ClientId", "Channel", "Sender", "SenderStaffId", "Purpose", "Fingerprint", "ContentVersionId", "CampaignId", "Title", "Verdict", "Rule", "Explanation", "DeferUntil", "Confirmed", "At")
            VALUES ({r.ClientId}, {r.Channel}, {(short)r.Sender}, {r.SenderStaffId}, {(short)r.Purpose}, {r.Fingerprint}, {r.ContentVersionId}, {r.CampaignId}, {r.Title}, {(short)r.Verdict}, {r.Rule}, {r.Explanation}, {deferUntil}, {r.Confirmed}, {at})
            """, ct);
    }
}

/// <summary>Gate decisions by verdict and rule, for dashboards and alerts (how much is held back, and why).</summary>
public sealed class OutreachMetrics
{
    public const string MeterName = "CoServe.Outreach";

    public OutreachMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        Decisions = meter.CreateCounter<long>("coserve.outreach.gate.decisions");
        CampaignSends = meter.CreateCounter<long>("coserve.outreach.campaign.recipients");
    }

    public Counter<long> Decisions { get; }
    public Counter<long> CampaignSends { get; }

    public void Decided(GateOutcome outcome) =>
        Decisions.Add(1, new KeyValuePair<string, object?>("verdict", outcome.Verdict.ToString()), new KeyValuePair<string, object?>("rule", outcome.Rule ?? "none"));
}
