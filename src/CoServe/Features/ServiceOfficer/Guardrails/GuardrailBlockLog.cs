using CoServe.Data;
using CoServe.Platform.Auth;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.ServiceOfficer.Guardrails;

/// <summary>Blocks of one rule in a period.</summary>
public sealed record GuardrailBlockCount(string RuleId, GuardrailKind Kind, int Blocks, DateTimeOffset Last);

public sealed record GuardrailBlockRow(long Id, DateTimeOffset At, string RuleId, GuardrailKind Kind, int RuleSetVersion, GuardrailBlockSource Source, long? ConversationId, long? TicketId, string? Reference);

/// <summary>The guardrails' block log for the console and the API: counts per rule over a period and the recent blocks.</summary>
public sealed class GuardrailBlockLog(CoServeDb db)
{
    public const int MaxRows = 500;

    public async Task<IReadOnlyList<GuardrailBlockCount>> CountsAsync(CurrentStaff staff, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        Require(staff);
        if (to <= from) throw new ArgumentException("to: the period ends before it starts");
        var rows = await db.GuardrailBlocks.AsNoTracking().Where(b => b.At >= from && b.At < to)
            .GroupBy(b => new { b.RuleId, b.Kind })
            .Select(g => new { g.Key.RuleId, g.Key.Kind, Blocks = g.Count(), Last = g.Max(b => b.At) })
            .ToListAsync(ct);
        return [.. rows.Select(r => new GuardrailBlockCount(r.RuleId, r.Kind, r.Blocks, r.Last)).OrderByDescending(r => r.Blocks).ThenBy(r => r.RuleId, StringComparer.Ordinal)];
    }

    public async Task<IReadOnlyList<GuardrailBlockRow>> RecentAsync(CurrentStaff staff, string? ruleId, int take, CancellationToken ct)
    {
        Require(staff);
        var q = db.GuardrailBlocks.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(ruleId)) q = q.Where(b => b.RuleId == ruleId.Trim());
        var rows = await q.OrderByDescending(b => b.Id).Take(Math.Clamp(take, 1, MaxRows)).ToListAsync(ct);
        return [.. rows.Select(b => new GuardrailBlockRow(b.Id, b.At, b.RuleId, b.Kind, b.RuleSetVersion, b.Source, b.ConversationId, b.TicketId, b.Reference))];
    }

    private static void Require(CurrentStaff staff)
    {
        if (!GuardrailRuleEditor.CanRead(staff)) throw new UnauthorizedAccessException("only Compliance, the digital team and admins see the guardrail block log");
    }
}
