using CoServe.Platform.Auth;
using CoServe.Platform.Time;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CoServe.Features.Outreach;

public sealed record ContentRequest(
    ContentKind Kind,
    string Title,
    string Body,
    ProductRisk? RiskLevel,
    IReadOnlyList<string>? Tags,
    DateOnly ValidFrom,
    DateOnly ValidUntil,
    string? Source,
    DateOnly? SourceDate,
    bool Urgent = false)
{
    public ContentDraft ToDraft() => new(Title ?? "", Body ?? "", RiskLevel, Tags ?? [], ValidFrom, ValidUntil, Source, SourceDate, Urgent);
}

public sealed record ReviewRequest(string? Note);

public sealed record AudienceRequest(string Name, AudienceFilter Filter);

public sealed record CountResponse(int Clients, bool Personalised);

public sealed record ScheduleRequest(DateTimeOffset? At);

public sealed record ReceiptRequest(string ClientNo, ReceiptKind Kind, DateTimeOffset? At);

public sealed record TagsRequest(IReadOnlyList<string> Tags);

public sealed record OptOutRequest(string Channel, OptOutPurposes Purposes);

public sealed record HoldingsRequest(DateOnly? AsOf, IReadOnlyList<HoldingRow> Rows);

public sealed record CreatedResponse(long Id);

/// <summary>
/// Outreach over HTTP: content library (Compliance approves), audiences with live counts, campaigns
/// (preview, schedule, cancel, report, receipts), and per client the send history, tags and opt-outs.
/// </summary>
public static class OutreachEndpoints
{
    public static IEndpointRouteBuilder MapOutreach(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/outreach").RequireAuthorization(Policies.Staff).WithTags("Outreach");
        api.MapGet("/content", ListContentAsync).WithSummary("Content library: newest and approved version of each item (kind, status, tag, text filters)");
        api.MapGet("/content/{versionId:long}", GetContentAsync).WithSummary("One content version");
        api.MapPost("/content", CreateContentAsync).WithSummary("New content item as a draft (digital team, branch heads, admins)");
        api.MapPut("/content/{versionId:long}", EditContentAsync).WithSummary("Edit a draft, or start a new draft version of approved content");
        api.MapPost("/content/{versionId:long}/approve", ApproveAsync).WithSummary("Compliance approves a draft");
        api.MapPost("/content/{versionId:long}/reject", RejectAsync).WithSummary("Compliance rejects a draft, with a reason");
        api.MapPost("/content/items/{itemId:long}/retire", RetireAsync).WithSummary("Withdraw approved content");

        api.MapGet("/audiences", ListAudiencesAsync).WithSummary("Saved audiences");
        api.MapPost("/audiences", SaveAudienceAsync).WithSummary("Save a new audience");
        api.MapPut("/audiences/{id:long}", UpdateAudienceAsync).WithSummary("Change a saved audience");
        api.MapPost("/audiences/count", CountAsync).WithSummary("Live count of an audience filter within the caller's scope");

        api.MapGet("/campaigns", ListCampaignsAsync).WithSummary("Campaigns");
        api.MapPost("/campaigns", CreateCampaignAsync).WithSummary("New campaign as a draft");
        api.MapPut("/campaigns/{id:long}", UpdateCampaignAsync).WithSummary("Change a draft campaign");
        api.MapPost("/campaigns/{id:long}/preview", PreviewAsync).WithSummary("What the gate would do for the audience now (nothing is sent or recorded)");
        api.MapPost("/campaigns/{id:long}/schedule", ScheduleAsync).WithSummary("Schedule (or start now without a time)");
        api.MapPost("/campaigns/{id:long}/unschedule", UnscheduleAsync).WithSummary("Back to draft before it started");
        api.MapPost("/campaigns/{id:long}/cancel", CancelAsync).WithSummary("Stop: recipients not yet sent are cancelled");
        api.MapGet("/campaigns/{id:long}/report", ReportAsync).WithSummary("Per-recipient outcomes, reasons, variants, WeCom tasks");
        api.MapPost("/campaigns/{id:long}/receipts", ReceiptAsync).WithSummary("A channel reports a recipient read or clicked");

        api.MapGet("/clients/{clientNo}", ClientHistoryAsync).WithSummary("What the client received and what was held back, and why");
        api.MapGet("/clients/{clientNo}/tags", TagsAsync).WithSummary("The client's targeting tags");
        api.MapPut("/clients/{clientNo}/tags", SetTagsAsync).WithSummary("Replace the client's targeting tags");
        api.MapPut("/clients/{clientNo}/opt-outs", SetOptOutAsync).WithSummary("Record the client's opt-out (退订) of categories on a channel");
        api.MapPost("/holdings", ImportHoldingsAsync).WithSummary("Replace the holdings of the listed clients (minimal import for audiences)");
        return app;
    }

    private static CurrentStaff Me(HttpContext http) => CurrentStaff.Require(http.User);

    /// <summary>Role and state refusals become 403 and 409 with the use case's message.</summary>
    private static async Task<IResult> Guard(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (UnauthorizedAccessException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status403Forbidden);
        }
        catch (InvalidOperationException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict);
        }
    }

    private static async Task<Ok<IReadOnlyList<ContentVersionView>>> ListContentAsync(ContentKind? kind, ContentStatus? status, string? tag, string? q, bool? usable, ContentLibrary library, CancellationToken ct) =>
        TypedResults.Ok(await library.ListAsync(new ContentFilter(kind, status, tag, q, usable ?? false), ct));

    private static async Task<Results<Ok<ContentVersionView>, NotFound>> GetContentAsync(long versionId, ContentLibrary library, CancellationToken ct) =>
        await library.GetAsync(versionId, ct) is { } v ? TypedResults.Ok(v) : TypedResults.NotFound();

    private static Task<IResult> CreateContentAsync(ContentRequest request, ContentLibrary library, HttpContext http, CancellationToken ct) =>
        Guard(async () => TypedResults.Ok(await library.CreateAsync(Me(http), request.Kind, request.ToDraft(), ct)));

    private static Task<IResult> EditContentAsync(long versionId, ContentRequest request, ContentLibrary library, HttpContext http, CancellationToken ct) =>
        Guard(async () => TypedResults.Ok(await library.EditAsync(Me(http), versionId, request.ToDraft(), ct)));

    private static Task<IResult> ApproveAsync(long versionId, ReviewRequest? request, ContentLibrary library, HttpContext http, CancellationToken ct) =>
        Guard(async () => TypedResults.Ok(await library.ApproveAsync(Me(http), versionId, request?.Note, ct)));

    private static Task<IResult> RejectAsync(long versionId, ReviewRequest request, ContentLibrary library, HttpContext http, CancellationToken ct) =>
        Guard(async () => TypedResults.Ok(await library.RejectAsync(Me(http), versionId, request.Note ?? "", ct)));

    private static Task<IResult> RetireAsync(long itemId, ContentLibrary library, HttpContext http, CancellationToken ct) =>
        Guard(async () =>
        {
            await library.RetireAsync(Me(http), itemId, ct);
            return TypedResults.NoContent();
        });

    private static async Task<Ok<IReadOnlyList<AudienceView>>> ListAudiencesAsync(Audiences audiences, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await audiences.ListAsync(Me(http), ct));

    private static Task<IResult> SaveAudienceAsync(AudienceRequest request, Audiences audiences, HttpContext http, CancellationToken ct) =>
        Guard(async () => TypedResults.Ok(await audiences.SaveAsync(Me(http), null, request.Name, request.Filter ?? new AudienceFilter(), ct)));

    private static Task<IResult> UpdateAudienceAsync(long id, AudienceRequest request, Audiences audiences, HttpContext http, CancellationToken ct) =>
        Guard(async () => TypedResults.Ok(await audiences.SaveAsync(Me(http), id, request.Name, request.Filter ?? new AudienceFilter(), ct)));

    private static Task<IResult> CountAsync(AudienceFilter filter, Audiences audiences, HttpContext http, CancellationToken ct) =>
        Guard(async () =>
        {
            var staff = Me(http);
            if (!Audiences.CanManage(staff)) throw new UnauthorizedAccessException("only the digital team, branch heads and admins build audiences");
            return TypedResults.Ok(new CountResponse(await audiences.CountAsync(staff, filter, ct), filter.IsPersonalised));
        });

    private static async Task<Ok<IReadOnlyList<CampaignListItem>>> ListCampaignsAsync(Campaigns campaigns, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await campaigns.ListAsync(Me(http), ct));

    private static Task<IResult> CreateCampaignAsync(CampaignInput input, Campaigns campaigns, HttpContext http, CancellationToken ct) =>
        Guard(async () =>
        {
            var id = await campaigns.CreateAsync(Me(http), input, ct);
            return TypedResults.Created($"/api/outreach/campaigns/{id}/report", new CreatedResponse(id));
        });

    private static Task<IResult> UpdateCampaignAsync(long id, CampaignInput input, Campaigns campaigns, HttpContext http, CancellationToken ct) =>
        Guard(async () =>
        {
            await campaigns.UpdateAsync(Me(http), id, input, ct);
            return TypedResults.NoContent();
        });

    private static Task<IResult> PreviewAsync(long id, Campaigns campaigns, HttpContext http, CancellationToken ct) =>
        Guard(async () => TypedResults.Ok(await campaigns.PreviewAsync(Me(http), id, ct)));

    private static Task<IResult> ScheduleAsync(long id, ScheduleRequest? request, Campaigns campaigns, HttpContext http, CancellationToken ct) =>
        Guard(async () =>
        {
            await campaigns.ScheduleAsync(Me(http), id, request?.At, ct);
            return TypedResults.NoContent();
        });

    private static Task<IResult> UnscheduleAsync(long id, Campaigns campaigns, HttpContext http, CancellationToken ct) =>
        Guard(async () =>
        {
            await campaigns.UnscheduleAsync(Me(http), id, ct);
            return TypedResults.NoContent();
        });

    private static Task<IResult> CancelAsync(long id, Campaigns campaigns, HttpContext http, CancellationToken ct) =>
        Guard(async () =>
        {
            await campaigns.CancelAsync(Me(http), id, ct);
            return TypedResults.NoContent();
        });

    private static async Task<Results<Ok<CampaignReport>, NotFound>> ReportAsync(long id, int? recent, Campaigns campaigns, HttpContext http, CancellationToken ct) =>
        await campaigns.ReportAsync(Me(http), id, recent ?? 50, ct) is { } report ? TypedResults.Ok(report) : TypedResults.NotFound();

    private static async Task<Results<NoContent, NotFound>> ReceiptAsync(long id, ReceiptRequest request, Campaigns campaigns, CancellationToken ct) =>
        await campaigns.RecordReceiptAsync(id, request.ClientNo, request.Kind, request.At, ct) ? TypedResults.NoContent() : TypedResults.NotFound();

    private static async Task<Results<Ok<ClientOutreachView>, NotFound>> ClientHistoryAsync(string clientNo, int? days, ClientOutreach outreach, HttpContext http, CancellationToken ct) =>
        await outreach.ForClientAsync(Me(http), clientNo, days ?? ClientOutreach.DefaultDays, ct) is { } view ? TypedResults.Ok(view) : TypedResults.NotFound();

    private static async Task<Ok<IReadOnlyList<string>>> TagsAsync(string clientNo, ClientAttributes attributes, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await attributes.TagsOfAsync(Me(http), clientNo, ct));

    private static Task<IResult> SetTagsAsync(string clientNo, TagsRequest request, ClientAttributes attributes, HttpContext http, CancellationToken ct) =>
        Guard(async () => await attributes.SetTagsAsync(Me(http), clientNo, request.Tags ?? [], ct) is { } tags ? TypedResults.Ok(tags) : TypedResults.NotFound());

    private static Task<IResult> SetOptOutAsync(string clientNo, OptOutRequest request, ClientOutreach outreach, HttpContext http, CancellationToken ct) =>
        Guard(async () => await outreach.SetOptOutAsync(Me(http), clientNo, request.Channel ?? "", request.Purposes, ct) ? TypedResults.NoContent() : TypedResults.NotFound());

    private static Task<IResult> ImportHoldingsAsync(HoldingsRequest request, ClientAttributes attributes, HttpContext http, TimeProvider clock, CancellationToken ct) =>
        Guard(async () => TypedResults.Ok(await attributes.ImportHoldingsAsync(Me(http), request.Rows ?? [], request.AsOf ?? BusinessTime.Today(clock), ct)));
}
