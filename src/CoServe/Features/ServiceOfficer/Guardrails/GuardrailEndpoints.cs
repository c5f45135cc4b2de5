using CoServe.Features.ServiceOfficer.RuleLists;
using CoServe.Platform.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CoServe.Features.ServiceOfficer.Guardrails;

public sealed record GuardrailRuleRequest(string Id, GuardrailKind Kind, string Pattern, string? NegatedBy, string? RequiredElsewhere, string? Description, bool Enabled = true, int? ExpectedRevision = null)
    : IRuleRequest<GuardrailRuleData>
{
    public GuardrailRuleData ToData() => new(Id ?? "", Kind, Pattern ?? "", NegatedBy, RequiredElsewhere, Description, Enabled);
}

public sealed record GuardrailTestRequest(string Text, long? DraftId);

/// <summary>The guardrail rule lists over HTTP: the same use cases and role rules as the console pages.</summary>
public static class GuardrailEndpoints
{
    public static IEndpointRouteBuilder MapGuardrails(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/guardrails").RequireAuthorization(Policies.Staff).WithTags("Guardrails");
        g.MapRuleListWorkflow<GuardrailRuleEditor, GuardrailRuleData, GuardrailRuleSet, GuardrailRuleRequest>();
        g.MapGet("/drafts/{id:long}/preview", PreviewAsync).WithSummary("The draft against the version in force on the approved answers and the guardrail corpus");
        g.MapPost("/test", TestAsync).WithSummary("Which rules fire on a text, and where (the version in force, or a draft)");
        g.MapGet("/blocks", async (DateTimeOffset from, DateTimeOffset to, GuardrailBlockLog log, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await log.CountsAsync(CurrentStaff.Require(http.User), from, to, ct)))
            .WithSummary("Blocks per rule in a period");
        g.MapGet("/blocks/recent", async (string? ruleId, int? take, GuardrailBlockLog log, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await log.RecentAsync(CurrentStaff.Require(http.User), ruleId, take ?? 100, ct)));
        return app;
    }

    private static async Task<Results<Ok<GuardrailPreviewResult>, NotFound>> PreviewAsync(long id, GuardrailRuleEditor e, GuardrailPreview preview, HttpContext http, CancellationToken ct)
    {
        var staff = CurrentStaff.Require(http.User);
        return await e.GetAsync(staff, id, ct) is { } l ? TypedResults.Ok(await preview.PreviewAsync(staff, l.Rules, ct)) : TypedResults.NotFound();
    }

    private static async Task<Results<Ok<GuardrailTestResult>, NotFound>> TestAsync(GuardrailTestRequest r, GuardrailRuleEditor e, HttpContext http, CancellationToken ct)
    {
        var staff = CurrentStaff.Require(http.User);
        var list = r.DraftId is { } id ? await e.GetAsync(staff, id, ct) : await e.InForceAsync(staff, ct);
        return list is null ? TypedResults.NotFound() : TypedResults.Ok(GuardrailPreview.Test(list.Rules, r.Text));
    }
}
