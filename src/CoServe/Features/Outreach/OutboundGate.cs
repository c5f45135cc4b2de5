using System.Diagnostics.Metrics;
using System.Globalization;
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
/// for one client are serialised to the end of the sender's transaction, so caps and the de-duplication window
/// hold under concurrency: on PostgreSQL by a per-client row lock; on SQLite by the transaction itself, which
/// holds the database's one write lock from its <c>BEGIN IMMEDIATE</c>. Never scans the timeline.
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
    // The batch decision's reads, translated once (see HotQuery).
    private static readonly HotQuery<List<long>, ClientRowOf> ClientRowsQuery = new((db, ids) => db.Clients.AsNoTracking().Where(x => ids.Contains(x.Id))
        .Select(x => new ClientRowOf(x.Id, new GateClientRow(x.SuitabilityLevel, x.SuitabilityAssessedOn, x.IsProfessionalInvestor, x.WeComExternalUserId))));
    private static readonly HotQuery<List<long>, DateTimeOffset, RecentOf> RecentSendsQuery = new((db, ids, since) => db.OutboundSends.AsNoTracking()
        .Where(s => ids.Contains(s.ClientId) && s.At >= since)
        .Select(s => new RecentOf(s.ClientId, new RecentSend(s.Sender, s.SenderStaffId, s.At, s.Title, s.Fingerprint, s.NumbersHash, s.Shingles, s.Sketch))));
    private sealed record ClientRowOf(long Id, GateClientRow Row);
    private sealed record RecentOf(long ClientId, RecentSend Send);

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
            await LockClientsAsync([c.ClientId], ct);
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
                await using var slots = new GateCounters.Slots(db);
                if (await slots.TryReserveAsync(c.ClientId, category.Value, caps, today, ct) is { } full)
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

    /// <summary>
    /// Decides a batch of messages exactly as <see cref="CheckAsync"/> would one after another in one transaction,
    /// with a few set-based statements instead of a dozen per message: facts, the de-duplication window and the
    /// cap counters of all the batch's clients are read at once after every client's lock row is taken (in
    /// client id order, so two batches cannot deadlock), the rules run in memory in the given order (a later
    /// message to the same client sees the earlier one's send and slots), cap slots are taken with the same
    /// conditional upsert, and decisions and sends are bulk-written in the transaction.
    /// </summary>
    public async Task<IReadOnlyList<GateDecision>> CheckManyAsync(IReadOnlyList<OutboundCandidate> candidates, CancellationToken ct)
    {
        var decisions = new GateDecision[candidates.Count];
        if (candidates.Count == 0) return decisions;
        var now = clock.GetUtcNow();
        var rules = Rules;
        var gate = rules.Options;
        var sketches = new Dictionary<string, TextSketch>(StringComparer.Ordinal);
        var ids = candidates.Select(c => c.ClientId).Distinct().ToList();
        var clients = (await ClientRowsQuery.ListAsync(db, ids, ct)).ToDictionary(x => x.Id, x => x.Row);
        var known = clients.Keys.Order().ToList();
        var informed = candidates.Where(c => c.Purpose != OutboundPurpose.ConversationReply && clients.ContainsKey(c.ClientId)).Select(c => c.ClientId).Distinct().ToList();
        // Conversation replies need neither consents nor opt-outs (the client wrote first): a batch of replies reads neither.
        var consents = (informed.Count == 0 ? [] : (await db.ClientConsents.AsNoTracking()
                .Where(x => informed.Contains(x.ClientId) && (x.Purpose == ConsentPurpose.Marketing || x.Purpose == ConsentPurpose.ServiceMessages || x.Purpose == ConsentPurpose.PersonalisedPush))
                .Select(x => new { x.ClientId, x.Purpose, x.Granted }).ToListAsync(ct))
                .ConvertAll(x => (x.ClientId, x.Purpose, x.Granted)))
            .ToLookup(x => x.ClientId, x => (x.Purpose, x.Granted));
        var optOuts = (informed.Count == 0 ? [] : (await db.OutreachOptOuts.AsNoTracking().Where(x => informed.Contains(x.ClientId))
                .Select(x => new { x.ClientId, x.Channel, x.Purposes }).ToListAsync(ct))
                .ConvertAll(x => (x.ClientId, x.Channel, x.Purposes)))
            .ToLookup(x => x.ClientId, x => (x.Channel, x.Purposes));
        bool ComplaintMatters(OutboundCandidate c) => gate.OpenComplaint.Enabled
            && (c.Purpose == OutboundPurpose.Marketing || (c.Purpose == OutboundPurpose.Research && gate.OpenComplaint.AlsoResearch));
        var complaining = candidates.Where(c => ComplaintMatters(c) && clients.ContainsKey(c.ClientId)).Select(c => c.ClientId).ToHashSet();
        var openComplaints = complaining.Count == 0 ? new HashSet<long>() : await complaints.WithOpenComplaintsAsync(complaining, ct);

        var ownTransaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        try
        {
            await LockClientsAsync(known, ct);
            var since = now.AddDays(-gate.Deduplication.WindowDays);
            var recent = (await RecentSendsQuery.ListAsync(db, known, since, ct))
                .Concat(db.OutboundSends.Local.Where(s => clients.ContainsKey(s.ClientId) && s.At >= since).Select(s => new RecentOf(s.ClientId, s.ToRecent())))
                .GroupBy(x => x.ClientId).ToDictionary(g => g.Key, g => g.Select(x => x.Send).ToList());
            var today = BusinessTime.DateOf(now);
            var (d, w, m) = (GateCounters.PeriodStart(CapPeriod.Day, today), GateCounters.PeriodStart(CapPeriod.Week, today), GateCounters.PeriodStart(CapPeriod.Month, today));
            var cappedClients = candidates.Where(c => rules.IsCapped(c) && GateRules.CategoryOf(c.Purpose) is not null && clients.ContainsKey(c.ClientId))
                .Select(c => c.ClientId).Distinct().ToList();
            var counters = (cappedClients.Count == 0 ? [] : await db.GateCounters.AsNoTracking()
                    .Where(x => cappedClients.Contains(x.ClientId)
                        && ((x.Period == CapPeriod.Day && x.PeriodStart == d) || (x.Period == CapPeriod.Week && x.PeriodStart == w) || (x.Period == CapPeriod.Month && x.PeriodStart == m)))
                    .Select(x => new { x.ClientId, x.Category, x.Period, x.Count }).ToListAsync(ct))
                .GroupBy(x => (x.ClientId, x.Category))
                .ToDictionary(g => g.Key, g => new CapCounts(
                    g.FirstOrDefault(x => x.Period == CapPeriod.Day)?.Count ?? 0,
                    g.FirstOrDefault(x => x.Period == CapPeriod.Week)?.Count ?? 0,
                    g.FirstOrDefault(x => x.Period == CapPeriod.Month)?.Count ?? 0));

            var records = new List<GateDecisionRecord>();
            var sends = new List<OutboundSend>();
            Func<int, string>? staffNames = null;
            await using var slots = new GateCounters.Slots(db);
            for (var i = 0; i < candidates.Count; i++)
            {
                var c = candidates[i];
                if (!sketches.TryGetValue(c.Text, out var sketch)) sketches[c.Text] = sketch = TextSketch.Of(c.Text);
                GateOutcome outcome;
                if (!clients.TryGetValue(c.ClientId, out var client))
                {
                    outcome = rules.Decide(c, default, null, default, now);
                    metrics.Decided(outcome);
                    decisions[i] = outcome.ToDecision();
                    continue;
                }
                ClientGateFacts facts;
                if (c.Purpose == OutboundPurpose.ConversationReply)
                {
                    facts = new ClientGateFacts(true, client.Level, client.AssessedOn, client.Professional, false, false, null, OptOutPurposes.None, false, 0);
                }
                else
                {
                    var channelKey = OutreachChannels.OptOutKey(c.Channel);
                    var groupCount = 0;
                    if (c.Channel == OutreachChannels.WeComGroup && gate.WeComGroupCap.Enabled && client.WeComExternalUserId is { } external)
                    {
                        var (key, _) = WeComGroupMessages.Period(weComOptions.Value.GroupMessageCap, today);
                        groupCount = await StoredWeComGroupMessageLedger.CountAsync(db, external, key, ct);
                    }
                    facts = Facts(client, consents[c.ClientId],
                        optOuts[c.ClientId].Where(x => x.Channel == channelKey || x.Channel == OutreachChannels.AllChannels).Select(x => x.Purposes),
                        openComplaints.Contains(c.ClientId), groupCount);
                }
                PreviousSend? duplicate = null;
                if (rules.DeduplicationApplies(c, sketch) && recent.TryGetValue(c.ClientId, out var window))
                {
                    duplicate = rules.FindDuplicate(sketch, window, now);
                }
                var category = GateRules.CategoryOf(c.Purpose);
                var capped = rules.IsCapped(c) && category is not null;
                var counts = capped ? counters.GetValueOrDefault((c.ClientId, category!.Value)) : default;
                if (duplicate is { Sender: OutboundSender.Staff } && staffNames is null)
                {
                    staffNames = (await directory.GetAsync(ct)).StaffName;
                }
                var names = duplicate is { Sender: OutboundSender.Staff } ? staffNames : null;
                outcome = rules.Decide(c, facts, duplicate, counts, now, names);
                if (outcome.Passes && capped)
                {
                    var caps = gate.Caps.For(category!.Value);
                    if (await slots.TryReserveAsync(c.ClientId, category.Value, caps, today, ct) is { } full)
                    {
                        // Only possible when the counters moved outside the lock (an operator's correction).
                        outcome = rules.Decide(c, facts, duplicate, WithCount(counts, full, caps.For(full)), now, names);
                    }
                    else
                    {
                        counters[(c.ClientId, category.Value)] = new CapCounts(
                            counts.Day + (caps.PerDay > 0 ? 1 : 0), counts.Week + (caps.PerWeek > 0 ? 1 : 0), counts.Month + (caps.PerMonth > 0 ? 1 : 0));
                    }
                }
                if (!(c.Purpose == OutboundPurpose.ConversationReply && outcome.Verdict == GateVerdict.Allow))
                {
                    records.Add(new GateDecisionRecord(c, sketch.Fingerprint, outcome, now));
                }
                if (outcome.Passes)
                {
                    var send = new OutboundSend(c, sketch, now);
                    sends.Add(send);
                    if (!recent.TryGetValue(c.ClientId, out var list)) recent[c.ClientId] = list = [];
                    list.Add(send.ToRecent());
                }
                metrics.Decided(outcome);
                decisions[i] = outcome.ToDecision();
            }
            await WriteAsync(records, sends, ct);
            if (ownTransaction is not null) await ownTransaction.CommitAsync(ct);
        }
        finally
        {
            if (ownTransaction is not null) await ownTransaction.DisposeAsync();
        }
        return decisions;
    }

    private async Task WriteAsync(List<GateDecisionRecord> records, List<OutboundSend> sends, CancellationToken ct)
    {
        // One bulk writer at a time: on PostgreSQL a COPY holds the connection until it completes.
        if (records.Count > 0)
        {
            await using var writer = await BulkWriter.StartAsync(db, "GateDecisions",
                ["ClientId", "Channel", "Sender", "SenderStaffId", "Purpose", "Fingerprint", "ContentVersionId", "CampaignId", "Title", "Verdict", "Rule", "Explanation", "DeferUntil", "Confirmed", "At"], null, ct);
            foreach (var r in records)
            {
                await writer.AddAsync([r.ClientId, r.Channel, (short)r.Sender, r.SenderStaffId, (short)r.Purpose, r.Fingerprint, r.ContentVersionId, r.CampaignId, r.Title,
                    (short)r.Verdict, r.Rule, r.Explanation, r.DeferUntil, r.Confirmed, r.At], ct);
            }
            await writer.CompleteAsync(ct);
        }
        if (sends.Count > 0)
        {
            await using var writer = await BulkWriter.StartAsync(db, "OutboundSends",
                ["ClientId", "At", "Channel", "Sender", "SenderStaffId", "Purpose", "Fingerprint", "NumbersHash", "Shingles", "Sketch", "ContentVersionId", "CampaignId", "Title", "Warned"], null, ct);
            foreach (var s in sends)
            {
                await writer.AddAsync([s.ClientId, s.At, s.Channel, (short)s.Sender, s.SenderStaffId, (short)s.Purpose, s.Fingerprint, s.NumbersHash, s.Shingles, s.Sketch,
                    s.ContentVersionId, s.CampaignId, s.Title, s.Warned], ct);
            }
            await writer.CompleteAsync(ct);
        }
    }

    /// <summary>
    /// Serialises these clients' decisions until the transaction ends: one upsert of their lock rows, in client id
    /// order (so two batches cannot deadlock; the values are numeric ids, written as literals). SQLite needs no row
    /// for it: every transaction there begins with <c>BEGIN IMMEDIATE</c> and holds the file's one write lock to its
    /// end, so no other decision can read or write in between, and the rows would cost a page of the write-ahead log
    /// per client and commit.
    /// </summary>
    private async Task LockClientsAsync(List<long> clientIds, CancellationToken ct)
    {
        if (db.IsSqlite || clientIds.Count == 0) return;
        var rows = string.Join(",", clientIds.Order().Select(id => string.Create(CultureInfo.InvariantCulture, $"({id}, 1)")));
        var sql = "INSERT INTO \"GateClientLocks\" (\"ClientId\", \"Decisions\") VALUES " + rows
            + " ON CONFLICT (\"ClientId\") DO UPDATE SET \"Decisions\" = \"GateClientLocks\".\"Decisions\" + 1";
        await db.Database.ExecuteSqlRawAsync(sql, ct);
    }

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
        return Facts(new GateClientRow(client.SuitabilityLevel, client.SuitabilityAssessedOn, client.IsProfessionalInvestor, client.WeComExternalUserId),
            consents.Select(x => (x.Purpose, x.Granted)), optOuts, openComplaint, groupCount);
    }

    private static ClientGateFacts Facts(GateClientRow client, IEnumerable<(ConsentPurpose Purpose, bool Granted)> consents, IEnumerable<OptOutPurposes> optOuts, bool openComplaint, int groupCount)
    {
        bool marketing = false, service = false;
        bool? personalised = null;
        foreach (var (purpose, granted) in consents)
        {
            if (purpose == ConsentPurpose.Marketing) marketing |= granted;
            else if (purpose == ConsentPurpose.ServiceMessages) service |= granted;
            else if (purpose == ConsentPurpose.PersonalisedPush) personalised ??= granted;
        }
        return new ClientGateFacts(
            true,
            client.Level,
            client.AssessedOn,
            client.Professional,
            marketing,
            service,
            personalised,
            optOuts.Aggregate(OptOutPurposes.None, (a, b) => a | b),
            openComplaint,
            groupCount);
    }

    private sealed record GateClientRow(SuitabilityLevel? Level, DateOnly? AssessedOn, bool Professional, string? WeComExternalUserId);

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
