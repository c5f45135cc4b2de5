using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Features.Organization;
using CoServe.Platform.Auth;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Outreach;

public sealed record ReceivedItem(DateTimeOffset At, string Channel, string Sender, OutboundPurpose Purpose, string? Title, bool AfterWarning, long? CampaignId);

public sealed record HeldBackItem(DateTimeOffset At, string Channel, string Sender, OutboundPurpose Purpose, string? Title, GateVerdict Verdict, string? Rule, string? Explanation, DateTimeOffset? DeferUntil, long? CampaignId);

public sealed record OptOutView(string Channel, OptOutPurposes Purposes, DateTimeOffset ChangedAt, string Source);

/// <summary>What a client received and what was held back, and why: the answer to "为什么总给我发这些".</summary>
public sealed record ClientOutreachView(
    string ClientNo,
    IReadOnlyList<ReceivedItem> Received,
    IReadOnlyList<HeldBackItem> HeldBack,
    IReadOnlyList<OptOutView> OptOuts,
    bool? PersonalisedPush,
    bool MarketingConsent,
    int Days);

/// <summary>
/// The client view of the gate for every servicer in scope, and the client's opt-outs (退订), which staff
/// record on the client's request.
/// </summary>
public sealed class ClientOutreach(CoServeDb db, StaffDirectory directory, TimeProvider clock)
{
    public const int DefaultDays = 90;

    /// <summary>How long after a warning its confirmation counts as the same message being sent after all.</summary>
    private static readonly TimeSpan ConfirmedWarningWindow = TimeSpan.FromHours(1);

    public async Task<ClientOutreachView?> ForClientAsync(CurrentStaff staff, string clientNo, int days, CancellationToken ct)
    {
        var no = ClientNumber.Normalise(clientNo);
        var client = await db.Clients.AsNoTracking().VisibleTo(staff).Where(c => c.ClientNo == no).Select(c => new { c.Id }).SingleOrDefaultAsync(ct);
        if (client is null) return null;
        days = Math.Clamp(days, 1, 400);
        var since = clock.GetUtcNow().AddDays(-days);
        var names = await directory.GetAsync(ct);
        var sends = await db.OutboundSends.AsNoTracking().Where(s => s.ClientId == client.Id && s.At >= since)
            .OrderByDescending(s => s.At).Take(200)
            .Select(s => new { s.At, s.Channel, s.Sender, s.SenderStaffId, s.Purpose, s.Title, s.Warned, s.CampaignId })
            .ToListAsync(ct);
        var held = await db.GateDecisions.AsNoTracking()
            .Where(d => d.ClientId == client.Id && d.At >= since
                && (d.Verdict == GateVerdict.Block || d.Verdict == GateVerdict.Defer || (d.Verdict == GateVerdict.Warn && !d.Confirmed)))
            .OrderByDescending(d => d.At).Take(200)
            .Select(d => new { d.At, d.Channel, d.Sender, d.SenderStaffId, d.Purpose, d.Title, d.Verdict, d.Rule, d.Explanation, d.DeferUntil, d.CampaignId, d.Fingerprint })
            .ToListAsync(ct);
        // A warning the staff member then confirmed was not held back: the message went out (and is listed as received).
        var confirmed = await db.GateDecisions.AsNoTracking()
            .Where(d => d.ClientId == client.Id && d.At >= since && d.Verdict == GateVerdict.Warn && d.Confirmed)
            .Select(d => new { d.At, d.SenderStaffId, d.Fingerprint })
            .ToListAsync(ct);
        held.RemoveAll(d => d.Verdict == GateVerdict.Warn
            && confirmed.Any(c => c.Fingerprint == d.Fingerprint && c.SenderStaffId == d.SenderStaffId && c.At >= d.At && c.At - d.At <= ConfirmedWarningWindow));
        var optOuts = await db.OutreachOptOuts.AsNoTracking().Where(o => o.ClientId == client.Id && o.Purposes != OptOutPurposes.None)
            .Select(o => new OptOutView(o.Channel, o.Purposes, o.ChangedAt, o.Source)).ToListAsync(ct);
        var consents = await db.ClientConsents.AsNoTracking()
            .Where(c => c.ClientId == client.Id && (c.Purpose == ConsentPurpose.PersonalisedPush || c.Purpose == ConsentPurpose.Marketing))
            .Select(c => new { c.Purpose, c.Granted }).ToListAsync(ct);
        return new ClientOutreachView(
            no,
            [.. sends.Select(s => new ReceivedItem(s.At, s.Channel, SenderName(s.Sender, s.SenderStaffId, names), s.Purpose, s.Title, s.Warned, s.CampaignId))],
            [.. held.Select(d => new HeldBackItem(d.At, d.Channel, SenderName(d.Sender, d.SenderStaffId, names), d.Purpose, d.Title, d.Verdict, d.Rule, d.Explanation, d.DeferUntil, d.CampaignId))],
            optOuts,
            consents.FirstOrDefault(c => c.Purpose == ConsentPurpose.PersonalisedPush)?.Granted,
            consents.Any(c => c.Purpose == ConsentPurpose.Marketing && c.Granted),
            days);
    }

    /// <summary>Records what the client opted out of on a channel ("*" for all); None removes the opt-out.</summary>
    public async Task<bool> SetOptOutAsync(CurrentStaff staff, string clientNo, string channel, OptOutPurposes purposes, CancellationToken ct)
    {
        if (!ClientScope.CanChange(staff)) throw new UnauthorizedAccessException("your role reads only");
        if (channel is not (OutreachChannels.AllChannels or OutreachChannels.WebChat or OutreachChannels.WeCom)) throw new ArgumentException("channel is *, webchat or wecom", nameof(channel));
        if ((purposes & ~(OptOutPurposes.ServiceNotice | OptOutPurposes.Marketing | OptOutPurposes.Research)) != 0) throw new ArgumentException("unknown purposes", nameof(purposes));
        var no = ClientNumber.Normalise(clientNo);
        var clientId = await db.Clients.VisibleTo(staff).Where(c => c.ClientNo == no).Select(c => (long?)c.Id).SingleOrDefaultAsync(ct);
        if (clientId is not { } id) return false;
        var now = clock.GetUtcNow();
        var source = $"staff:{staff.Id}";
        var existing = await db.OutreachOptOuts.SingleOrDefaultAsync(o => o.ClientId == id && o.Channel == channel, ct);
        if (existing is null) db.OutreachOptOuts.Add(new OutreachOptOut(id, channel, purposes, source, now));
        else existing.Change(purposes, source, now);
        await db.SaveChangesAsync(ct);
        return true;
    }

    public static string SenderName(OutboundSender sender, int? staffId, StaffDirectory.Snapshot names) => sender switch
    {
        OutboundSender.Officer => StaffDirectory.ServiceOfficerName,
        OutboundSender.Staff or OutboundSender.Campaign when staffId is { } id => names.StaffName(id),
        OutboundSender.Staff => "员工",
        OutboundSender.Campaign => "推送活动",
        OutboundSender.System => "系统",
        _ => sender.ToString(),
    };
}
