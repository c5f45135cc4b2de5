using CoServe.Features.ServiceOfficer.RuleLists;
using CoServe.Platform.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CoServe.Features.ServiceOfficer.Intents;

public sealed record IntentRuleRequest(string Id, ClientIntent Intent, IReadOnlyList<string>? Keywords, string? Pattern, string? Unless, bool Negatable = false, string? Description = null, bool Enabled = true, int? ExpectedRevision = null)
    : IRuleRequest<IntentRuleData>
{
    public IntentRuleData ToData() => new(Id ?? "", Intent, Keywords ?? [], Pattern, Unless, Negatable, Description, Enabled);
}

public sealed record IntentTestRequest(string Text, long? DraftId);

/// <summary>The intent rule lists over HTTP: the same use cases and role rules as the console pages.</summary>
public static class IntentRuleEndpoints
{
    public static IEndpointRouteBuilder MapIntentRules(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/intent-rules").RequireAuthorization(Policies.Staff).WithTags("Intent rules");
        g.MapRuleListWorkflow<IntentRuleEditor, IntentRuleData, IntentRuleSet, IntentRuleRequest>();
        g.MapGet("/drafts/{id:long}/preview", PreviewAsync).WithSummary("The draft against the version in force on the labelled intent data that ships: per-intent precision and recall, and the utterances whose handoff changes");
        g.MapPost("/test", TestAsync).WithSummary("Which rules fire on a text, on what, and the intent they decide (the version in force, or a draft)");
        return app;
    }

    private static async Task<Results<Ok<IntentPreviewResult>, NotFound>> PreviewAsync(long id, IntentRuleEditor e, IntentPreview preview, HttpContext http, CancellationToken ct)
    {
        var staff = CurrentStaff.Require(http.User);
        return await e.GetAsync(staff, id, ct) is { } l ? TypedResults.Ok(await preview.PreviewAsync(staff, l.Rules, ct)) : TypedResults.NotFound();
    }

    private static async Task<Results<Ok<IntentTestResult>, NotFound>> TestAsync(IntentTestRequest r, IntentRuleEditor e, HttpContext http, CancellationToken ct)
    {
        var staff = CurrentStaff.Require(http.User);
        var list = r.DraftId is { } id ? await e.GetAsync(staff, id, ct) : await e.InForceAsync(staff, ct);
        return list is null ? TypedResults.NotFound() : TypedResults.Ok(IntentPreview.Test(list.Rules, r.Text));
    }
}
