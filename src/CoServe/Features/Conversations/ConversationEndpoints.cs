using CoServe.Features.Timeline;
using CoServe.Platform.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CoServe.Features.Conversations;

public sealed record TakeOverRequest(int? ExpectedVersion, bool Force = false);

public sealed record TransferRequest(int ToStaffId, string? Note);

public sealed record CloseRequest(string Outcome, int KeepWithMeHours = 0);

public sealed record ReplyRequest(string Text, bool ConfirmWarning = false);

public sealed record NoteRequest(string Text, long? ConversationId);

public sealed record ControlResponse(int? Version, long? EventId);

/// <summary>Staff-side HTTP API of the co-service core: inbox, conversations and their control, timeline.</summary>
public static class ConversationEndpoints
{
    public static IEndpointRouteBuilder MapConversations(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireAuthorization(Policies.Staff).WithTags("Conversations");
        api.MapGet("/inbox", InboxAsync).WithSummary("Open handoff tickets: view=mine|team|all, optional reason and sla filters");
        api.MapGet("/conversations/{id:long}", GetAsync).WithSummary("A conversation with its messages, controller and handoff package");
        api.MapPost("/conversations/{id:long}/takeover", TakeOverAsync).WithSummary("Take control (expectedVersion guards against racing colleagues)");
        api.MapPost("/conversations/{id:long}/handback", HandBackAsync).WithSummary("Return the conversation to the service officer");
        api.MapPost("/conversations/{id:long}/transfer", TransferAsync).WithSummary("Give the conversation to a colleague who serves the client");
        api.MapPost("/conversations/{id:long}/close", CloseAsync).WithSummary("Close with an outcome, optionally keeping the client with you for N hours");
        api.MapPost("/conversations/{id:long}/messages", ReplyAsync).WithSummary("Reply to the client (takes over if the AI or the queue holds it)");
        api.MapPost("/clients/{clientNo}/notes", NoteAsync).WithSummary("Internal note on the client's timeline (@login mentions notify)");
        api.MapGet("/clients/{clientNo}/timeline", TimelineAsync).WithSummary("Newest-first page of the client's timeline, filtered by kind, actor and period");
        api.MapGet("/clients/{clientNo}/timeline/search", SearchAsync).WithSummary("Full-text search in one client's timeline");
        api.MapGet("/clients/{clientNo}/timeline/export", ExportAsync).RequireAuthorization(Policies.Compliance).WithSummary("CSV export for Compliance (purpose required, audited)");
        return app;
    }

    private static async Task<Ok<IReadOnlyList<InboxItem>>> InboxAsync(InboxView? view, HandoffReason? reason, SlaState? sla, ConversationQueries queries, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await queries.InboxAsync(CurrentStaff.Require(http.User), view ?? InboxView.Mine, reason, sla, ct));

    private static async Task<Results<Ok<ConversationDetail>, NotFound>> GetAsync(long id, ConversationQueries queries, HttpContext http, CancellationToken ct)
    {
        var detail = await queries.ConversationAsync(CurrentStaff.Require(http.User), id, ct);
        return detail is null ? TypedResults.NotFound() : TypedResults.Ok(detail);
    }

    private static async Task<IResult> TakeOverAsync(long id, TakeOverRequest? request, ConversationControl control, HttpContext http, CancellationToken ct) =>
        ToHttp(await control.TakeOverAsync(CurrentStaff.Require(http.User), id, request?.ExpectedVersion, request?.Force ?? false, ct));

    private static async Task<IResult> HandBackAsync(long id, ConversationControl control, HttpContext http, CancellationToken ct) =>
        ToHttp(await control.HandBackAsync(CurrentStaff.Require(http.User), id, ct));

    private static async Task<IResult> TransferAsync(long id, TransferRequest request, ConversationControl control, HttpContext http, CancellationToken ct) =>
        ToHttp(await control.TransferAsync(CurrentStaff.Require(http.User), id, request.ToStaffId, request.Note, ct));

    private static async Task<IResult> CloseAsync(long id, CloseRequest request, ConversationControl control, HttpContext http, CancellationToken ct) =>
        ToHttp(await control.CloseAsync(CurrentStaff.Require(http.User), id, request.Outcome ?? "", request.KeepWithMeHours, ct));

    private static async Task<IResult> ReplyAsync(long id, ReplyRequest request, ConversationControl control, HttpContext http, CancellationToken ct) =>
        ToHttp(await control.ReplyAsync(CurrentStaff.Require(http.User), id, request.Text ?? "", request.ConfirmWarning, ct));

    private static async Task<IResult> NoteAsync(string clientNo, NoteRequest request, ConversationControl control, HttpContext http, CancellationToken ct) =>
        ToHttp(await control.AddNoteAsync(CurrentStaff.Require(http.User), clientNo, request.ConversationId, request.Text ?? "", ct));

    private static async Task<Results<Ok<TimelinePage>, NotFound>> TimelineAsync(
        string clientNo, [Microsoft.AspNetCore.Mvc.FromQuery] TimelineKind[]? kind, ActorKind? actor, DateOnly? from, DateOnly? to, long? before, int? size,
        TimelineQueries queries, HttpContext http, CancellationToken ct)
    {
        var page = await queries.PageAsync(CurrentStaff.Require(http.User), clientNo, new TimelineFilter(kind, actor, From: from, To: to), before, size ?? 50, ct);
        return page is null ? TypedResults.NotFound() : TypedResults.Ok(page);
    }

    private static async Task<Results<Ok<IReadOnlyList<TimelineItem>>, NotFound>> SearchAsync(string clientNo, string q, int? size, TimelineQueries queries, HttpContext http, CancellationToken ct)
    {
        var found = await queries.SearchAsync(CurrentStaff.Require(http.User), clientNo, q ?? "", size ?? 50, ct);
        return found is null ? TypedResults.NotFound() : TypedResults.Ok(found);
    }

    private static async Task<Results<FileContentHttpResult, NotFound>> ExportAsync(string clientNo, DateOnly? from, DateOnly? to, string? purpose, TimelineQueries queries, HttpContext http, CancellationToken ct)
    {
        var csv = await queries.ExportAsync(CurrentStaff.Require(http.User), clientNo, from, to, purpose ?? "", ct);
        return csv is null ? TypedResults.NotFound() : TypedResults.File(csv, "text/csv; charset=utf-8", $"timeline-{clientNo}.csv");
    }

    private static IResult ToHttp(ControlResult r) => r.Status switch
    {
        ControlStatus.Done => TypedResults.Ok(new ControlResponse(r.Version, r.EventId)),
        ControlStatus.NotFound => TypedResults.NotFound(),
        ControlStatus.Forbidden => TypedResults.Problem(statusCode: 403, title: "Not allowed", detail: r.Message),
        ControlStatus.Conflict => TypedResults.Problem(statusCode: 409, title: "Someone else has this conversation", detail: r.Message, extensions: new Dictionary<string, object?> { ["version"] = r.Version }),
        ControlStatus.NeedsConfirmation => TypedResults.Problem(statusCode: 428, title: "Confirm to send", detail: r.Message),
        _ => TypedResults.Problem(statusCode: 400, title: "The request is not valid", detail: r.Message),
    };
}
