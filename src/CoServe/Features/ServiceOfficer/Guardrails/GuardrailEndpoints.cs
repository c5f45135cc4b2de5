using CoServe.Platform.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CoServe.Features.ServiceOfficer.Guardrails;

public sealed record GuardrailRuleRequest(string Id, GuardrailKind Kind, string Pattern, string? NegatedBy, string? RequiredElsewhere, string? Description, bool Enabled = true, int? ExpectedRevision = null)
{
    public GuardrailRuleData ToData() => new(Id ?? "", Kind, Pattern ?? "", NegatedBy, RequiredElsewhere, Description, Enabled);
}

public sealed record GuardrailDraftRequest(int? FromVersion);

public sealed record GuardrailApproveRequest(string? Note, int? ExpectedRevision);

public sealed record GuardrailRejectRequest(string Reason);

public sealed record GuardrailTestRequest(string Text, long? DraftId);

/// <summary>The guardrail rule lists over HTTP: the same use cases and role rules as the console pages.</summary>
public static class GuardrailEndpoints
{
    public static IEndpointRouteBuilder MapGuardrails(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/guardrails").RequireAuthorization(Policies.Staff).WithTags("Guardrails");
        g.MapGet("/in-force", async (GuardrailRuleEditor e, HttpContext http, CancellationToken ct) => TypedResults.Ok(await e.InForceAsync(CurrentStaff.Require(http.User), ct)));
        g.MapGet("/lists", async (GuardrailRuleEditor e, HttpContext http, CancellationToken ct) => TypedResults.Ok(await e.ListAsync(CurrentStaff.Require(http.User), ct)));
        g.MapGet("/lists/{id:long}", GetAsync);
        g.MapGet("/lists/{id:long}/changes", async (long id, GuardrailRuleEditor e, HttpContext http, CancellationToken ct) => TypedResults.Ok(await e.ChangesAsync(CurrentStaff.Require(http.User), id, ct)));
        g.MapPost("/drafts", async (GuardrailDraftRequest? r, GuardrailRuleEditor e, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await e.StartDraftAsync(CurrentStaff.Require(http.User), r?.FromVersion, ct)))
            .WithSummary("Start a draft from the version in force, or from an older version (rollback) (Compliance)");
        g.MapPost("/drafts/{id:long}/rules", async (long id, GuardrailRuleRequest r, GuardrailRuleEditor e, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await e.SaveRuleAsync(CurrentStaff.Require(http.User), id, null, r.ToData(), r.ExpectedRevision, ct)))
            .WithSummary("Add a rule to a draft (Compliance)");
        g.MapPut("/drafts/{id:long}/rules/{ruleId}", async (long id, string ruleId, GuardrailRuleRequest r, GuardrailRuleEditor e, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await e.SaveRuleAsync(CurrentStaff.Require(http.User), id, ruleId, r.ToData(), r.ExpectedRevision, ct)))
            .WithSummary("Edit, enable or disable a rule of a draft (Compliance)");
        g.MapDelete("/drafts/{id:long}/rules/{ruleId}", async (long id, string ruleId, int? expectedRevision, GuardrailRuleEditor e, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await e.DeleteRuleAsync(CurrentStaff.Require(http.User), id, ruleId, expectedRevision, ct)));
        g.MapGet("/drafts/{id:long}/preview", PreviewAsync).WithSummary("The draft against the version in force on the approved answers and the guardrail corpus");
        g.MapPost("/drafts/{id:long}/approve", async (long id, GuardrailApproveRequest? r, GuardrailRuleEditor e, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await e.ApproveAsync(CurrentStaff.Require(http.User), id, r?.Note, r?.ExpectedRevision, ct)))
            .WithSummary("Put the draft in force as the next version (Compliance); the engine reloads in the background");
        g.MapPost("/drafts/{id:long}/reject", async (long id, GuardrailRejectRequest r, GuardrailRuleEditor e, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await e.RejectAsync(CurrentStaff.Require(http.User), id, r.Reason, ct)));
        g.MapPost("/test", TestAsync).WithSummary("Which rules fire on a text, and where (the version in force, or a draft)");
        g.MapGet("/blocks", async (DateTimeOffset from, DateTimeOffset to, GuardrailBlockLog log, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await log.CountsAsync(CurrentStaff.Require(http.User), from, to, ct)))
            .WithSummary("Blocks per rule in a period");
        g.MapGet("/blocks/recent", async (string? ruleId, int? take, GuardrailBlockLog log, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await log.RecentAsync(CurrentStaff.Require(http.User), ruleId, take ?? 100, ct)));
        return app;
    }

    private static async Task<Results<Ok<GuardrailListView>, NotFound>> GetAsync(long id, GuardrailRuleEditor e, HttpContext http, CancellationToken ct) =>
        await e.GetAsync(CurrentStaff.Require(http.User), id, ct) is { } l ? TypedResults.Ok(l) : TypedResults.NotFound();

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
