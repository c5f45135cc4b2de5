using CoServe.Platform.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CoServe.Features.Privacy;

/// <param name="Outcome">Completed or Refused.</param>
/// <param name="Reply">What the client is told: what was done, or why not (at least 10 characters).</param>
public sealed record AnswerRightsRequest(DataRightsStatus Outcome, string Reply);

/// <summary>HTTP API of the privacy desk (Compliance): the same use cases as the page.</summary>
public static class PrivacyEndpoints
{
    public static IEndpointRouteBuilder MapPrivacy(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/privacy-requests").RequireAuthorization(Policies.Compliance).WithTags("Privacy");
        api.MapGet("/", ListAsync).WithSummary("Clients' personal-information requests: open ones by deadline, or all newest first (?open=false)");
        api.MapGet("/{id:long}", GetAsync).WithSummary("One request with the client's wording and the answer");
        api.MapPost("/{id:long}/answer", AnswerAsync).WithSummary("Answer a request: Completed (what was done) or Refused (why not); once");
        return app;
    }

    private static async Task<Ok<IReadOnlyList<DeskRow>>> ListAsync(bool? open, DataRightsDesk desk, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await desk.ListAsync(CurrentStaff.Require(http.User), open ?? true, ct));

    private static async Task<Results<Ok<DeskRow>, NotFound>> GetAsync(long id, DataRightsDesk desk, HttpContext http, CancellationToken ct) =>
        await desk.GetAsync(CurrentStaff.Require(http.User), id, ct) is { } row ? TypedResults.Ok(row) : TypedResults.NotFound();

    private static async Task<Results<Ok<DeskRow>, NotFound>> AnswerAsync(long id, AnswerRightsRequest request, DataRightsDesk desk, HttpContext http, CancellationToken ct) =>
        await desk.AnswerAsync(CurrentStaff.Require(http.User), id, request.Outcome, request.Reply, ct) is { } row ? TypedResults.Ok(row) : TypedResults.NotFound();
}
