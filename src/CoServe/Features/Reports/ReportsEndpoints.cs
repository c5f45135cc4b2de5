using CoServe.Platform.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CoServe.Features.Reports;

/// <summary>HTTP API of the overview page: the same figures, in the caller's scope, for the firm's own reporting.</summary>
public static class ReportsEndpoints
{
    public static IEndpointRouteBuilder MapReports(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/reports").RequireAuthorization(Policies.Staff).WithTags("Reports");
        api.MapGet("/service-dashboard", DashboardAsync)
            .WithSummary("The service officer's outcomes per business day, open handoffs by reason and SLA state, first-response times (days: 1..Reports:MaxDashboardDays, default Reports:DashboardDays)");
        api.MapGet("/my-work", MyWorkAsync).WithSummary("What waits for the caller: handoffs held, duties kept, co-served clients with new AI activity");
        return app;
    }

    private static async Task<Ok<ServiceDashboardView>> DashboardAsync(int? days, ServiceDashboard dashboard, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await dashboard.LoadAsync(CurrentStaff.Require(http.User), days, ct));

    private static async Task<Results<Ok<MyWorkSummary>, NotFound>> MyWorkAsync(MyWork work, HttpContext http, CancellationToken ct)
    {
        var staff = CurrentStaff.Require(http.User);
        return MyWork.AppliesTo(staff) ? TypedResults.Ok(await work.LoadAsync(staff, ct)) : TypedResults.NotFound();
    }
}
