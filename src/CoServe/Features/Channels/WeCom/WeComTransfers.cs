using CoServe.Platform.Time;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Channels.WeCom;

/// <summary>What happened to one customer in a transfer request.</summary>
public enum TransferStartOutcome
{
    /// <summary>WeCom started the transfer; the takeover completes after 24 h unless the customer refuses.</summary>
    Started = 1,
    /// <summary>40128: transferred too often (2 in 90 natural days); checked before calling and also from WeCom.</summary>
    TooFrequent = 2,
    /// <summary>40129: the customer is already being transferred.</summary>
    AlreadyTransferring = 3,
    /// <summary>40130: handover and takeover are the same member; checked before calling.</summary>
    SameHandoverAndTakeover = 4,
    /// <summary>40096: not a valid external_userid (or not this member's customer).</summary>
    InvalidExternalUserId = 5,
    /// <summary>Rate limit or outage: nothing was started, try again later.</summary>
    RetryLater = 6,
    /// <summary>Any other errcode.</summary>
    Failed = 7,
}

public sealed record CustomerTransferOutcome(string ExternalUserId, TransferStartOutcome Outcome, int ErrCode);

/// <summary>Transfer status from transfer_result (接替状态).</summary>
public enum WeComTransferStatus
{
    /// <summary>Not a documented status; kept so an unexpected value is visible instead of guessed.</summary>
    Unknown = 0,
    TakenOver = 1,
    Waiting = 2,
    Refused = 3,
    TakeoverAtCapacity = 4,
}

public sealed record CustomerTransferStatus(string ExternalUserId, WeComTransferStatus Status, DateTimeOffset? TakeoverTime);

public sealed record TransferResultPage(IReadOnlyList<CustomerTransferStatus> Customers, string? NextCursor);

/// <summary>
/// WeCom's transfer APIs (在职继承 and 离职继承) with their limits enforced before calling: at most 100
/// customers per call (larger lists are split), at most 2 transfers per customer in 90 natural days (from
/// our history, and 40128 from WeCom), never to the same member.
/// </summary>
public sealed class WeComTransfers(WeComApiClient api, IWeComTransferHistory history, IOptions<WeComOptions> options, TimeProvider clock)
{
    public const int MaxCustomersPerCall = 100;
    private const int MaxSuccessMessageChars = 200;

    /// <summary>Transfers customers between active members; one outcome per customer, in input order.</summary>
    public Task<IReadOnlyList<CustomerTransferOutcome>> TransferAsync(
        string app, string handoverUserId, string takeoverUserId, IReadOnlyList<string> externalUserIds, string? successMessage, CancellationToken ct) =>
        TransferCoreAsync(app, handoverUserId, takeoverUserId, externalUserIds, successMessage, resigned: false, ct);

    /// <summary>Assigns a resigned member's customers (from get_unassigned_list) to a member.</summary>
    public Task<IReadOnlyList<CustomerTransferOutcome>> TransferResignedAsync(
        string app, string handoverUserId, string takeoverUserId, IReadOnlyList<string> externalUserIds, CancellationToken ct) =>
        TransferCoreAsync(app, handoverUserId, takeoverUserId, externalUserIds, null, resigned: true, ct);

    private async Task<IReadOnlyList<CustomerTransferOutcome>> TransferCoreAsync(
        string app, string handover, string takeover, IReadOnlyList<string> externalUserIds, string? successMessage, bool resigned, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(handover);
        ArgumentException.ThrowIfNullOrEmpty(takeover);
        if (successMessage is { Length: > MaxSuccessMessageChars })
        {
            throw new ArgumentException($"transfer_success_msg is at most {MaxSuccessMessageChars} characters", nameof(successMessage));
        }
        var results = new Dictionary<string, CustomerTransferOutcome>(StringComparer.Ordinal);
        var distinct = externalUserIds.Distinct(StringComparer.Ordinal).ToList();
        if (string.Equals(handover, takeover, StringComparison.Ordinal))
        {
            return [.. externalUserIds.Select(id => new CustomerTransferOutcome(id, TransferStartOutcome.SameHandoverAndTakeover, WeComErrors.TransferSameUser))];
        }

        var o = options.Value;
        var now = clock.GetUtcNow();
        var since = BusinessTime.StartOfDay(BusinessTime.DateOf(now).AddDays(-o.TransferWindowDays));
        var eligible = new List<string>(distinct.Count);
        // The 2-in-90-days rule only binds transfers between active members (在职继承).
        var counts = resigned ? null : await history.CountsSinceAsync(distinct, since, ct);
        foreach (var id in distinct)
        {
            if (counts is not null && counts.GetValueOrDefault(id) >= o.MaxTransfersPerCustomer)
            {
                results[id] = new CustomerTransferOutcome(id, TransferStartOutcome.TooFrequent, WeComErrors.TransferTooFrequent);
            }
            else
            {
                eligible.Add(id);
            }
        }

        foreach (var chunk in eligible.Chunk(MaxCustomersPerCall))
        {
            var request = new TransferCustomerRequest
            {
                HandoverUserid = handover,
                TakeoverUserid = takeover,
                ExternalUserid = [.. chunk],
                TransferSuccessMsg = resigned ? null : successMessage,
            };
            var reply = await api.TransferCustomerRawAsync(app, request, resigned, ct);
            if (!reply.IsOk)
            {
                var outcome = reply.Status == WeComCallStatus.RetryLater ? TransferStartOutcome.RetryLater : Map(reply.ErrCode);
                foreach (var id in chunk) results[id] = new CustomerTransferOutcome(id, outcome, reply.ErrCode);
                continue;
            }
            var perCustomer = reply.Value!.Customer.ToDictionary(c => c.ExternalUserid, c => c.Errcode, StringComparer.Ordinal);
            var started = new List<string>(chunk.Length);
            foreach (var id in chunk)
            {
                // A customer missing from the reply was not confirmed as started: report it, never assume.
                var code = perCustomer.TryGetValue(id, out var c) ? c : WeComErrors.Transport;
                var outcome = Map(code);
                results[id] = new CustomerTransferOutcome(id, outcome, code);
                if (outcome == TransferStartOutcome.Started && !resigned) started.Add(id);
            }
            if (started.Count > 0) await history.RecordManyAsync(started, handover, takeover, now, ct);
        }
        return [.. externalUserIds.Select(id => results[id])];
    }

    private static TransferStartOutcome Map(int errCode) => errCode switch
    {
        0 => TransferStartOutcome.Started,
        WeComErrors.TransferTooFrequent => TransferStartOutcome.TooFrequent,
        WeComErrors.TransferInProgress => TransferStartOutcome.AlreadyTransferring,
        WeComErrors.TransferSameUser => TransferStartOutcome.SameHandoverAndTakeover,
        WeComErrors.InvalidExternalUserId => TransferStartOutcome.InvalidExternalUserId,
        _ => TransferStartOutcome.Failed,
    };

    public static WeComTransferStatus MapStatus(int status) => status switch
    {
        1 => WeComTransferStatus.TakenOver,
        2 => WeComTransferStatus.Waiting,
        3 => WeComTransferStatus.Refused,
        4 => WeComTransferStatus.TakeoverAtCapacity,
        _ => WeComTransferStatus.Unknown,
    };

    /// <summary>One page of transfer results (a refusal's callback names only the takeover member, so reconcile here).</summary>
    public async Task<WeComCallResult<TransferResultReply>> ResultPageAsync(string app, string handoverUserId, string takeoverUserId, string? cursor, bool resigned, CancellationToken ct) =>
        await api.TransferResultAsync(app, new TransferResultRequest { HandoverUserid = handoverUserId, TakeoverUserid = takeoverUserId, Cursor = cursor }, resigned, ct);

    /// <summary>All transfer results between two members, following cursors.</summary>
    public async Task<IReadOnlyList<CustomerTransferStatus>> ResultsAsync(string app, string handoverUserId, string takeoverUserId, bool resigned, CancellationToken ct)
    {
        var all = new List<CustomerTransferStatus>();
        string? cursor = null;
        do
        {
            var page = (await ResultPageAsync(app, handoverUserId, takeoverUserId, cursor, resigned, ct)).Require();
            all.AddRange(page.Customer.Select(c => new CustomerTransferStatus(
                c.ExternalUserid, MapStatus(c.Status), c.TakeoverTime > 0 ? DateTimeOffset.FromUnixTimeSeconds(c.TakeoverTime) : null)));
            cursor = page.NextCursor;
        }
        while (!string.IsNullOrEmpty(cursor));
        return all;
    }

    /// <summary>Customers of resigned members waiting to be assigned, following cursors.</summary>
    public async Task<IReadOnlyList<UnassignedItem>> UnassignedAsync(string app, CancellationToken ct)
    {
        var all = new List<UnassignedItem>();
        string? cursor = null;
        while (true)
        {
            var page = (await api.UnassignedListAsync(app, new UnassignedRequest { Cursor = cursor, PageSize = 1000 }, ct)).Require();
            all.AddRange(page.Info);
            cursor = page.NextCursor;
            if (page.IsLast || string.IsNullOrEmpty(cursor)) return all;
        }
    }
}
