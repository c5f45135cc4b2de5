using CoServe.Features.Conversations;
using CoServe.Platform.Time;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Handoffs;

/// <summary>Routing and SLA policy for handoffs. Routing is data: which queue each reason goes to.</summary>
public sealed class HandoffOptions
{
    public const string Section = "Handoffs";

    /// <summary>Queue per reason. Defaults: complaint, commission and AML to the duty owner; advice to advisors; the rest to the digital team.</summary>
    public Dictionary<HandoffReason, TicketQueue> Routes { get; set; } = DefaultRoutes();

    /// <summary>First-response deadline per reason, in working minutes.</summary>
    public Dictionary<HandoffReason, int> FirstResponseMinutes { get; set; } = DefaultSla();

    /// <summary>Used for reasons missing from <see cref="FirstResponseMinutes"/>.</summary>
    public int DefaultFirstResponseMinutes { get; set; } = 30;

    /// <summary>Remind the assignee when this share of the deadline has passed (0.8 = at 80%).</summary>
    public double ReminderAt { get; set; } = 0.8;

    /// <summary>After a breach, escalate again every this many working minutes (next level each time).</summary>
    public int EscalateEveryMinutes { get; set; } = 30;

    /// <summary>Open tickets one person holds before routing skips them.</summary>
    public int MaxOpenPerStaff { get; set; } = 8;

    /// <summary>How long a person may be disconnected before their waiting tickets are routed to someone online.</summary>
    public int OfflineGraceSeconds { get; set; } = 120;

    /// <summary>When handoffs are staffed (Asia/Shanghai). Default every day 08:30-21:30.</summary>
    public WorkingHoursOptions ServiceHours { get; set; } = new()
    {
        Start = "08:30",
        End = "21:30",
        Days = [.. Enum.GetValues<DayOfWeek>()],
    };

    public static Dictionary<HandoffReason, TicketQueue> DefaultRoutes() => new()
    {
        [HandoffReason.Complaint] = TicketQueue.DutyOwner,
        [HandoffReason.CommissionRequest] = TicketQueue.DutyOwner,
        [HandoffReason.AmlRelated] = TicketQueue.DutyOwner,
        [HandoffReason.AdviceRequest] = TicketQueue.Advisors,
        [HandoffReason.NegativeEmotion] = TicketQueue.DigitalOps,
        [HandoffReason.HumanRequested] = TicketQueue.DigitalOps,
        [HandoffReason.LowConfidence] = TicketQueue.DigitalOps,
        [HandoffReason.RepeatedFailure] = TicketQueue.DigitalOps,
        [HandoffReason.AccountSecurity] = TicketQueue.DigitalOps,
        [HandoffReason.HighValueClient] = TicketQueue.DutyOwner,
        [HandoffReason.GuardrailBlocked] = TicketQueue.DigitalOps,
    };

    public static Dictionary<HandoffReason, int> DefaultSla() => new()
    {
        [HandoffReason.Complaint] = 15,
        [HandoffReason.AccountSecurity] = 5,
        [HandoffReason.NegativeEmotion] = 10,
        [HandoffReason.HumanRequested] = 10,
        [HandoffReason.AmlRelated] = 60,
        [HandoffReason.CommissionRequest] = 60,
        [HandoffReason.AdviceRequest] = 30,
    };

    public TimeSpan FirstResponse(HandoffReason reason) =>
        TimeSpan.FromMinutes(FirstResponseMinutes.TryGetValue(reason, out var m) ? m : DefaultFirstResponseMinutes);

    public TicketQueue QueueFor(HandoffReason reason) =>
        Routes.TryGetValue(reason, out var q) ? q : TicketQueue.DigitalOps;
}

internal sealed class HandoffOptionsValidator : IValidateOptions<HandoffOptions>
{
    public ValidateOptionsResult Validate(string? name, HandoffOptions o)
    {
        var errors = new List<string>();
        foreach (var (reason, minutes) in o.FirstResponseMinutes)
        {
            if (minutes is < 1 or > 60 * 24 * 30) errors.Add($"Handoffs:FirstResponseMinutes:{reason} must be 1..43200");
        }
        if (o.DefaultFirstResponseMinutes is < 1 or > 60 * 24 * 30) errors.Add("Handoffs:DefaultFirstResponseMinutes must be 1..43200");
        if (o.ReminderAt is <= 0 or >= 1) errors.Add("Handoffs:ReminderAt must be between 0 and 1 (exclusive)");
        if (o.EscalateEveryMinutes < 1) errors.Add("Handoffs:EscalateEveryMinutes must be at least 1");
        if (o.MaxOpenPerStaff < 1) errors.Add("Handoffs:MaxOpenPerStaff must be at least 1");
        if (o.OfflineGraceSeconds < 0) errors.Add("Handoffs:OfflineGraceSeconds must not be negative");
        foreach (var (reason, queue) in o.Routes)
        {
            if (!Enum.IsDefined(queue)) errors.Add($"Handoffs:Routes:{reason} is not a queue");
        }
        errors.AddRange(o.ServiceHours.Validate("Handoffs:ServiceHours"));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
