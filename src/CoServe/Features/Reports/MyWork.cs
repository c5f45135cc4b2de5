using CoServe.Features.Conversations;
using CoServe.Features.Duties;
using CoServe.Features.Organization;
using CoServe.Features.Privacy;
using CoServe.Platform.Auth;

namespace CoServe.Features.Reports;

/// <summary>
/// What waits for one person now, in three numbers with their worst case: handoffs assigned to him or held by him,
/// the duties he keeps (commission, complaints, AML, callbacks) by deadline, and the co-served clients the
/// service officer talked to since he last looked; for Compliance, the clients' personal-information requests waiting
/// for the privacy desk.
/// </summary>
public sealed record MyWorkSummary(
    int Handoffs, int HandoffsOverdue,
    int? Duties, int DutiesOverdue, int DutiesDueSoon,
    int? CoServedUnread,
    int? PrivacyRequests = null, int PrivacyOverdue = 0);

public sealed class MyWork(ConversationQueries conversations, DutyWorklist duties, DataRightsDesk privacyDesk, TimeProvider clock)
{
    /// <summary>Deadlines within this many days count as due soon on the duties card.</summary>
    public const int DueSoonDays = 7;

    /// <summary>Whether the role works its own queue and duties (the others watch teams and see the dashboard only).</summary>
    public static bool AppliesTo(CurrentStaff staff) => staff.Role is StaffRole.ClientManager or StaffRole.Advisor or StaffRole.DigitalOps or StaffRole.Compliance;

    public async Task<MyWorkSummary> LoadAsync(CurrentStaff staff, CancellationToken ct)
    {
        if (staff.Role == StaffRole.Compliance)
        {
            // Compliance holds no handoffs; what waits for it here is the privacy desk.
            var requests = await privacyDesk.ListAsync(staff, openOnly: true, ct);
            return new MyWorkSummary(0, 0, null, 0, 0, null, requests.Count, requests.Count(r => r.Overdue));
        }
        var mine = await conversations.InboxAsync(staff, InboxView.Mine, null, null, ct);
        if (staff.Role is not (StaffRole.ClientManager or StaffRole.Advisor))
        {
            // The digital team keeps no client duties of its own (its duty list is the pool's, on the duties page).
            return new MyWorkSummary(mine.Count, mine.Count(i => i.Sla == SlaState.Breached), null, 0, 0, null);
        }
        var open = (await duties.ListAsync(staff, new DutyFilter(), ct)).Where(d => d.IsOpen).ToList();
        var soon = clock.GetUtcNow().AddDays(DueSoonDays);
        var unread = await conversations.CoServedWithUnreadCountAsync(staff, ct);
        return new MyWorkSummary(
            mine.Count, mine.Count(i => i.Sla == SlaState.Breached),
            open.Count, open.Count(d => d.Sla == SlaState.Breached), open.Count(d => d.Sla != SlaState.Breached && d.DueAt <= soon),
            unread);
    }
}
