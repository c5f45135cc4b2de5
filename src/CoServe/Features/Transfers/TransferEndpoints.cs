using CoServe.Platform.Auth;
using CoServe.Platform.Time;

namespace CoServe.Features.Transfers;

public sealed record PlanRequest(string Month);

public sealed record ReasonRequest(string Reason);

public sealed record DecisionRequest(bool Grant, string Reason);

public sealed record ApproveRequest(IReadOnlyCollection<long>? ItemIds, string? Note);

public sealed record RollbackRequest(long? PlanId, IReadOnlyCollection<long>? ItemIds, string Reason);

public sealed record ClaimRequest(string? Note);

public sealed record PinRequest(string ClientNo, bool ClientRequest, string Reason, DateTimeOffset? ExpiresAt);

/// <summary>Transfers over HTTP: the same use cases as the console, the same role rules.</summary>
public static class TransferEndpoints
{
    public static IEndpointRouteBuilder MapTransfers(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/transfers").RequireAuthorization(Policies.Staff).WithTags("Transfers");
        g.MapGet("/plans", async (TransferQueries q, CancellationToken ct) => TypedResults.Ok(await q.PlansAsync(ct)));
        g.MapPost("/plans", async (PlanRequest r, PlanTransfers plan, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await plan.PlanAsync(CurrentStaff.Require(http.User), CalendarMonth.Parse(r.Month), ct)))
            .WithSummary("Plan a month's transfers (nothing moves yet)");
        g.MapGet("/plans/{id:long}/items", async (long id, TransferItemStatus? status, TransferDirection? direction, int? staff, int? branch, int? skip, int? take, TransferQueries q, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await q.ItemsAsync(CurrentStaff.Require(http.User), id, new ItemFilter(status, direction, staff, branch), skip ?? 0, take ?? 100, ct)));
        g.MapGet("/plans/{id:long}/impact", async (long id, TransferQueries q, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await q.ImpactAsync(CurrentStaff.Require(http.User), id, ct)));
        g.MapPost("/plans/{id:long}/approve", async (long id, ApproveRequest? r, ReviewTransfers review, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(new { approved = await review.ApproveAsync(CurrentStaff.Require(http.User), id, r?.ItemIds, r?.Note, ct) }));
        g.MapPost("/plans/{id:long}/execute", async (long id, ExecuteTransfers execute, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await execute.ExecuteAsync(CurrentStaff.Require(http.User), id, ct)));
        g.MapPost("/plans/{id:long}/cancel", async (long id, ReasonRequest r, ReviewTransfers review, HttpContext http, CancellationToken ct) =>
        {
            await review.CancelAsync(CurrentStaff.Require(http.User), id, r.Reason, ct);
            return TypedResults.NoContent();
        });
        g.MapPost("/items/{id:long}/appeal", async (long id, ReasonRequest r, ReviewTransfers review, HttpContext http, CancellationToken ct) =>
        {
            await review.AppealAsync(CurrentStaff.Require(http.User), id, r.Reason, ct);
            return TypedResults.NoContent();
        });
        g.MapPost("/items/{id:long}/decision", async (long id, DecisionRequest r, ReviewTransfers review, HttpContext http, CancellationToken ct) =>
        {
            await review.DecideAppealAsync(CurrentStaff.Require(http.User), id, r.Grant, r.Reason, ct);
            return TypedResults.NoContent();
        });
        g.MapGet("/rollback/preview", async (long? planId, long[]? itemIds, RollbackTransfers rollback, CancellationToken ct) =>
            TypedResults.Ok(await rollback.PreviewAsync(planId, itemIds, ct)));
        g.MapPost("/rollback", async (RollbackRequest r, RollbackTransfers rollback, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await rollback.RollbackAsync(CurrentStaff.Require(http.User), r.PlanId, r.ItemIds, r.Reason, ct)));
        g.MapGet("/leads", async (TransferLeads leads, HttpContext http, CancellationToken ct) => TypedResults.Ok(await leads.LeadsAsync(CurrentStaff.Require(http.User), ct)));
        g.MapPost("/leads/{clientNo}/claim", async (string clientNo, ClaimRequest? r, TransferLeads leads, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(new { claim = await leads.ClaimAsync(CurrentStaff.Require(http.User), clientNo, r?.Note, ct) }));
        g.MapGet("/claims", async (TransferLeads leads, HttpContext http, CancellationToken ct) => TypedResults.Ok(await leads.ClaimsAsync(CurrentStaff.Require(http.User), ct)));
        g.MapPost("/claims/{id:long}/decision", async (long id, DecisionRequest r, TransferLeads leads, HttpContext http, CancellationToken ct) =>
        {
            await leads.DecideAsync(CurrentStaff.Require(http.User), id, r.Grant, r.Reason, ct);
            return TypedResults.NoContent();
        });
        g.MapGet("/pins", async (TransferPins pins, HttpContext http, CancellationToken ct) => TypedResults.Ok(await pins.ActiveAsync(CurrentStaff.Require(http.User), ct)));
        g.MapPost("/pins", async (PinRequest r, TransferPins pins, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(new { pin = await pins.PinAsync(CurrentStaff.Require(http.User), r.ClientNo, r.ClientRequest, r.Reason, r.ExpiresAt, ct) }));
        g.MapDelete("/pins/{id:long}", async (long id, TransferPins pins, HttpContext http, CancellationToken ct) =>
        {
            await pins.UnpinAsync(CurrentStaff.Require(http.User), id, ct);
            return TypedResults.NoContent();
        });
        return app;
    }
}
