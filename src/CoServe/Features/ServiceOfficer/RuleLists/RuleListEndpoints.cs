using CoServe.Platform.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CoServe.Features.ServiceOfficer.RuleLists;

/// <summary>A request that adds or edits one rule of a draft.</summary>
public interface IRuleRequest<out TRule>
{
    int? ExpectedRevision { get; }

    TRule ToData();
}

public sealed record RuleDraftRequest(int? FromVersion);

public sealed record RuleApproveRequest(string? Note, int? ExpectedRevision);

public sealed record RuleRejectRequest(string Reason);

/// <summary>Accept some (or, with no ids, all) of a release update's offered rules as a draft.</summary>
public sealed record RuleReleaseDraftRequest(IReadOnlyList<string>? AcceptedRuleIds, int? ExpectedRevision);

public sealed record RuleReleaseDismissRequest(string Reason, int? ExpectedRevision);

/// <summary>The workflow every rule list shares over HTTP (read, drafts, rules, approve, reject), on a route group of the kind.</summary>
public static class RuleListEndpoints
{
    public static RouteGroupBuilder MapRuleListWorkflow<TEditor, TRule, TCompiled, TRequest>(this RouteGroupBuilder g)
        where TEditor : RuleListEditor<TRule, TCompiled>
        where TRule : class, IListedRule<TRule>
        where TCompiled : class
        where TRequest : IRuleRequest<TRule>
    {
        g.MapGet("/in-force", async (HttpContext http, CancellationToken ct) => TypedResults.Ok(await Editor<TEditor>(http).InForceAsync(CurrentStaff.Require(http.User), ct)));
        g.MapGet("/lists", async (HttpContext http, CancellationToken ct) => TypedResults.Ok(await Editor<TEditor>(http).ListAsync(CurrentStaff.Require(http.User), ct)));
        g.MapGet("/lists/{id:long}", GetAsync<TEditor, TRule, TCompiled>);
        g.MapGet("/lists/{id:long}/changes", async (long id, HttpContext http, CancellationToken ct) => TypedResults.Ok(await Editor<TEditor>(http).ChangesAsync(CurrentStaff.Require(http.User), id, ct)));
        g.MapPost("/drafts", async (RuleDraftRequest? r, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await Editor<TEditor>(http).StartDraftAsync(CurrentStaff.Require(http.User), r?.FromVersion, ct)))
            .WithSummary("Start a draft from the version in force, or from an older version (rollback) (Compliance)");
        g.MapPost("/drafts/{id:long}/rules", async (long id, HttpContext http, CancellationToken ct) =>
        {
            var r = await BodyAsync<TRequest>(http, ct);
            return TypedResults.Ok(await Editor<TEditor>(http).SaveRuleAsync(CurrentStaff.Require(http.User), id, null, r.ToData(), r.ExpectedRevision, ct));
        })
            .WithSummary("Add a rule to a draft (Compliance)");
        g.MapPut("/drafts/{id:long}/rules/{ruleId}", async (long id, string ruleId, HttpContext http, CancellationToken ct) =>
        {
            var r = await BodyAsync<TRequest>(http, ct);
            return TypedResults.Ok(await Editor<TEditor>(http).SaveRuleAsync(CurrentStaff.Require(http.User), id, ruleId, r.ToData(), r.ExpectedRevision, ct));
        })
            .WithSummary("Edit, enable or disable a rule of a draft (Compliance)");
        g.MapDelete("/drafts/{id:long}/rules/{ruleId}", async (long id, string ruleId, int? expectedRevision, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await Editor<TEditor>(http).DeleteRuleAsync(CurrentStaff.Require(http.User), id, ruleId, expectedRevision, ct)));
        g.MapPost("/drafts/{id:long}/approve", async (long id, RuleApproveRequest? r, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await Editor<TEditor>(http).ApproveAsync(CurrentStaff.Require(http.User), id, r?.Note, r?.ExpectedRevision, ct)))
            .WithSummary("Put the draft in force as the next version (Compliance); the engine swaps it in in the background");
        g.MapPost("/drafts/{id:long}/reject", async (long id, RuleRejectRequest r, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await Editor<TEditor>(http).RejectAsync(CurrentStaff.Require(http.User), id, r.Reason, ct)));

        g.MapGet("/release", OpenReleaseAsync<TEditor, TRule, TCompiled>)
            .WithSummary("The release update awaiting Compliance (the shipped rules a new release added, changed or retired, compared with the list in force); 204 when none");
        g.MapGet("/releases", async (HttpContext http, CancellationToken ct) => TypedResults.Ok(await Editor<TEditor>(http).ReleasesAsync(CurrentStaff.Require(http.User), ct)));
        g.MapGet("/releases/{id:long}", ReleaseAsync<TEditor, TRule, TCompiled>);
        g.MapPost("/releases/check", async (HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await Editor<TEditor>(http).CheckReleaseAsync(CurrentStaff.Require(http.User), ct)))
            .WithSummary("Compare the rules this build ships with the list in force now, as start-up does (Compliance)");
        g.MapPost("/releases/{id:long}/draft", async (long id, RuleReleaseDraftRequest? r, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await Editor<TEditor>(http).StartReleaseDraftAsync(CurrentStaff.Require(http.User), id, r?.AcceptedRuleIds, r?.ExpectedRevision, ct)))
            .WithSummary("Accept all (no ids) or some offered rules of a release update as a draft, approved like any draft (Compliance)");
        g.MapPost("/releases/{id:long}/dismiss", async (long id, RuleReleaseDismissRequest r, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await Editor<TEditor>(http).DismissReleaseAsync(CurrentStaff.Require(http.User), id, r.Reason, r.ExpectedRevision, ct)))
            .WithSummary("Decline a release update with a reason; it is not offered again (Compliance)");
        return g;
    }

    /// <remarks>
    /// The editor and the rule body are resolved here rather than as handler parameters: the route-handler analyzer
    /// cannot bind parameters whose type is a type parameter (it crashes on them).
    /// </remarks>
    private static TEditor Editor<TEditor>(HttpContext http) where TEditor : notnull => http.RequestServices.GetRequiredService<TEditor>();

    private static async Task<TRequest> BodyAsync<TRequest>(HttpContext http, CancellationToken ct)
    {
        try
        {
            return await http.Request.ReadFromJsonAsync<TRequest>(ct) ?? throw new ArgumentException("body: a JSON rule is required");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new ArgumentException("body: not a valid rule: " + e.Message);
        }
    }

    private static async Task<Results<Ok<RuleListView<TRule>>, NotFound>> GetAsync<TEditor, TRule, TCompiled>(long id, HttpContext http, CancellationToken ct)
        where TEditor : RuleListEditor<TRule, TCompiled>
        where TRule : class, IListedRule<TRule>
        where TCompiled : class =>
        await Editor<TEditor>(http).GetAsync(CurrentStaff.Require(http.User), id, ct) is { } l ? TypedResults.Ok(l) : TypedResults.NotFound();

    private static async Task<Results<Ok<RuleReleaseView<TRule>>, NoContent>> OpenReleaseAsync<TEditor, TRule, TCompiled>(HttpContext http, CancellationToken ct)
        where TEditor : RuleListEditor<TRule, TCompiled>
        where TRule : class, IListedRule<TRule>
        where TCompiled : class =>
        await Editor<TEditor>(http).OpenReleaseAsync(CurrentStaff.Require(http.User), ct) is { } r ? TypedResults.Ok(r) : TypedResults.NoContent();

    private static async Task<Results<Ok<RuleReleaseView<TRule>>, NotFound>> ReleaseAsync<TEditor, TRule, TCompiled>(long id, HttpContext http, CancellationToken ct)
        where TEditor : RuleListEditor<TRule, TCompiled>
        where TRule : class, IListedRule<TRule>
        where TCompiled : class =>
        await Editor<TEditor>(http).ReleaseAsync(CurrentStaff.Require(http.User), id, ct) is { } r ? TypedResults.Ok(r) : TypedResults.NotFound();
}
