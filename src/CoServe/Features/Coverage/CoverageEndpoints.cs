using CoServe.Platform.Auth;

namespace CoServe.Features.Coverage;

/// <summary>Coverage and client links over HTTP: the same use cases and scopes as the console page.</summary>
public static class CoverageEndpoints
{
    public static IEndpointRouteBuilder MapCoverage(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/wecom").RequireAuthorization(Policies.Staff).WithTags("WeCom coverage");
        g.MapGet("/coverage", async (CoverageQueries q, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await q.ReportAsync(CurrentStaff.Require(http.User), ct)))
            .WithSummary("Coverage per branch and servicer against the target");
        g.MapGet("/coverage/unlinked", async (int? servicer, CoverageQueries q, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await q.UnlinkedAsync(CurrentStaff.Require(http.User), servicer, ct)))
            .WithSummary("Clients served but not linked to a WeCom contact (servicer 0 = the service officer pool)");
        g.MapGet("/coverage/ambiguous", async (CoverageQueries q, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await q.AmbiguousAsync(CurrentStaff.Require(http.User), ct)));
        g.MapPost("/links", async (LinkRequest r, WeComContactLinker linker, HttpContext http, CancellationToken ct) =>
        {
            await linker.LinkAsync(CurrentStaff.Require(http.User), r.ClientNo, r.ExternalUserId, r.Reason, ct);
            return TypedResults.NoContent();
        }).WithSummary("Link a client to a WeCom external contact by hand (audited)");
        g.MapPost("/links/remove", async (UnlinkRequest r, WeComContactLinker linker, HttpContext http, CancellationToken ct) =>
        {
            await linker.UnlinkAsync(CurrentStaff.Require(http.User), r.ClientNo, r.Reason, ct);
            return TypedResults.NoContent();
        }).WithSummary("Unlink a client from its WeCom contact (audited; not re-linked automatically)");
        return app;
    }
}
