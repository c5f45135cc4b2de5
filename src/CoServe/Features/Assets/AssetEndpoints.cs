using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Platform.Auth;
using CoServe.Platform.Time;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Assets;

public sealed record SegmentListItem(string ClientNo, decimal Mada, AssetTier Tier, string? ReportingTier);

public sealed record SegmentListPage(string Month, IReadOnlyList<SegmentListItem> Items, string? NextAfter);

/// <summary>Asset history and monthly segments over HTTP, scoped like the console.</summary>
public static class AssetEndpoints
{
    public static IEndpointRouteBuilder MapAssets(this IEndpointRouteBuilder app)
    {
        var clients = app.MapGroup("/api/clients/{clientNo}/assets").RequireAuthorization(Policies.Staff).WithTags("Assets");
        clients.MapGet("/daily", DailyAsync).WithSummary("Daily end-of-day assets (default: the last three months)");
        clients.MapGet("/monthly", MonthlyAsync).WithSummary("Monthly average daily assets and tier history");

        var segments = app.MapGroup("/api/segments").RequireAuthorization(Policies.Staff).WithTags("Assets");
        segments.MapGet("/", RunsAsync).WithSummary("Months that have been segmented");
        segments.MapGet("/{month}", MonthAsync).WithSummary("Clients in scope with their MADA and tier for a month, by client_no");
        return app;
    }

    private static async Task<Results<Ok<IReadOnlyList<DailyAssetPoint>>, NotFound, ValidationProblem>> DailyAsync(
        string clientNo, DateOnly? from, DateOnly? to, AssetQueries queries, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        var end = to ?? BusinessTime.Today(clock);
        var start = from ?? CalendarMonth.Of(end).AddMonths(-2).FirstDay;
        if (end < start) return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["to"] = ["'to' is before 'from'"] });
        if (end.DayNumber - start.DayNumber > 800) return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["from"] = ["ask for at most about two years at a time"] });
        var points = await queries.DailyAsync(CurrentStaff.Require(http.User), clientNo, start, end, ct);
        return points is null ? TypedResults.NotFound() : TypedResults.Ok(points);
    }

    private static async Task<Results<Ok<IReadOnlyList<MonthlySegmentPoint>>, NotFound>> MonthlyAsync(string clientNo, AssetQueries queries, HttpContext http, CancellationToken ct)
    {
        var points = await queries.MonthlyAsync(CurrentStaff.Require(http.User), clientNo, ct);
        return points is null ? TypedResults.NotFound() : TypedResults.Ok(points);
    }

    private static async Task<Ok<IReadOnlyList<SegmentRunInfo>>> RunsAsync(AssetQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.RunsAsync(ct));

    private static async Task<Results<Ok<SegmentListPage>, NotFound, ValidationProblem>> MonthAsync(
        string month, AssetTier? tier, string? after, int? pageSize, CoServeDb db, HttpContext http, CancellationToken ct)
    {
        if (!CalendarMonth.TryParse(month, out var m))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["month"] = [$"'{month}' is not a month; use yyyy-MM"] });
        }
        var key = m.Key;
        if (!await db.SegmentationRuns.AnyAsync(r => r.Month == key, ct)) return TypedResults.NotFound();
        var staff = CurrentStaff.Require(http.User);
        var size = Math.Clamp(pageSize ?? 100, 1, 1000);
        var q = from s in db.MonthlySegments.AsNoTracking()
                join c in db.Clients.VisibleTo(staff) on s.ClientId equals c.Id
                where s.Month == key
                select new { c.ClientNo, s.Mada, s.Tier, s.ReportingTier };
        if (tier is { } t) q = q.Where(x => x.Tier == t);
        if (!string.IsNullOrEmpty(after)) q = q.Where(x => string.Compare(x.ClientNo, after) > 0);
        var rows = await q.OrderBy(x => x.ClientNo).Take(size + 1).ToListAsync(ct);
        var items = rows.Take(size).Select(x => new SegmentListItem(x.ClientNo, x.Mada, x.Tier, x.ReportingTier)).ToList();
        return TypedResults.Ok(new SegmentListPage(m.ToString(), items, rows.Count > size ? items[^1].ClientNo : null));
    }
}
