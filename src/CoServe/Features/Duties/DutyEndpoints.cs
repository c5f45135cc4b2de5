using CoServe.Features.Clients;
using CoServe.Features.Duties.Aml;
using CoServe.Features.Duties.Callbacks;
using CoServe.Features.Duties.Complaints;
using CoServe.Platform.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CoServe.Features.Duties;

public sealed record ProposeCommissionRequest(string ClientNo, string Rate, DateOnly? EffectiveOn);

public sealed record CommissionProposal(string Rate, DateOnly? EffectiveOn);

public sealed record DecisionRequest(string? Comment);

public sealed record RegisterComplaintRequest(string ClientNo, string Summary, string? Category, DateTimeOffset? ReceivedAt);

public sealed record ResolveComplaintRequest(ComplaintOutcome Outcome, string Text);

public sealed record CompleteAmlTaskRequest(AmlRiskLevel? RiskLevel, DateOnly? IdExpiresOn);

public sealed record AmlCaseRequest(string? Note);

public sealed record AmlCaseDecisionRequest(AmlCaseStatus Decision, string Reason);

public sealed record ReportedItemsRequest(IReadOnlyList<long> Ids);

public sealed record CallbackOutcomeRequest(CallbackStatus Status, Satisfaction? Satisfaction, string? Note);

public sealed record DutyResponse(long? Id);

/// <summary>HTTP API of the duties: the worklist, commission, complaints, AML and callbacks. Pages call the same use cases in-process.</summary>
public static class DutyEndpoints
{
    private const string Xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    public static IEndpointRouteBuilder MapDuties(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/duties").RequireAuthorization(Policies.Staff).WithTags("Duties");
        api.MapGet("/worklist", WorklistAsync).WithSummary("Duty items in scope, sorted by deadline, with SLA state");
        api.MapGet("/worklist/export", ExportAsync).RequireAuthorization(Policies.Compliance).WithSummary("Compliance: the filtered worklist as Excel");

        api.MapGet("/commission/{id:long}", CommissionAsync).WithSummary("A commission request with its approvals");
        api.MapPost("/commission", ProposeForClientAsync).WithSummary("Manager proposes a new rate for a client");
        api.MapPost("/commission/from-ticket/{ticketId:long}", CommissionFromTicketAsync).WithSummary("Turn a CommissionRequest handoff into a tracked request");
        api.MapPost("/commission/{id:long}/proposal", ProposeAsync).WithSummary("Answer a client's request with a rate (checked against the floor)");
        api.MapPost("/commission/{id:long}/approve", ApproveAsync).WithSummary("Approve the current step (the chain's role only)");
        api.MapPost("/commission/{id:long}/reject", RejectAsync).WithSummary("Refuse at the current step");
        api.MapPost("/commission/{id:long}/withdraw", WithdrawAsync).WithSummary("The owner withdraws an open request");

        api.MapGet("/complaints/{id:long}", ComplaintAsync).WithSummary("A complaint");
        api.MapPost("/complaints", RegisterComplaintAsync).WithSummary("Register a complaint; the caller is its first handler");
        api.MapPost("/complaints/from-ticket/{ticketId:long}", ComplaintFromTicketAsync).WithSummary("Register a Complaint handoff");
        api.MapPost("/complaints/{id:long}/acknowledge", AcknowledgeAsync).WithSummary("Acknowledge to the client");
        api.MapPost("/complaints/{id:long}/resolve", ResolveAsync).WithSummary("Resolve with an outcome told to the client");
        api.MapGet("/complaints/report", ComplaintReportAsync).RequireAuthorization(Policies.Compliance).WithSummary("Annual regulator report (Excel)");

        api.MapGet("/aml/tasks", AmlTasksAsync).WithSummary("Due-diligence tasks (AML duty owner and Compliance)");
        api.MapPost("/aml/tasks/{id:long}/complete", CompleteAmlTaskAsync).WithSummary("Complete a task, optionally with a new risk level or document expiry");
        api.MapGet("/aml/cases", AmlCasesAsync).WithSummary("Suspicious-pattern cases (confidential)");
        api.MapPost("/aml/cases/from-ticket/{ticketId:long}", AmlCaseFromTicketAsync).WithSummary("Open a case from an AML-related handoff");
        api.MapPost("/aml/cases/{id:long}/decision", DecideAmlCaseAsync).RequireAuthorization(Policies.Compliance).WithSummary("Compliance: reported or dismissed");
        api.MapGet("/aml/report-items", AmlReportItemsAsync).WithSummary("Large-value report items");
        api.MapPost("/aml/report-items/reported", MarkReportedAsync).RequireAuthorization(Policies.Compliance).WithSummary("Compliance: mark items as filed");

        api.MapGet("/callbacks", CallbacksAsync).WithSummary("Callbacks in scope");
        api.MapPost("/callbacks/{id:long}", RecordCallbackAsync).WithSummary("Record a callback's outcome");
        api.MapPost("/callbacks/plan", PlanCallbacksAsync).RequireAuthorization(Policies.Compliance).WithSummary("Plan the year's callback sample (idempotent)");
        return app;
    }

    private static CurrentStaff Me(HttpContext http) => CurrentStaff.Require(http.User);

    private static async Task<Ok<IReadOnlyList<DutyItem>>> WorklistAsync(DutyKind? kind, bool? includeClosed, bool? overdueOnly, int? branchId, string? clientNo, DutyWorklist worklist, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await worklist.ListAsync(Me(http), new DutyFilter(kind, includeClosed ?? false, overdueOnly ?? false, branchId, clientNo), ct));

    private static async Task<FileContentHttpResult> ExportAsync(DutyKind? kind, bool? includeClosed, bool? overdueOnly, int? branchId, string? clientNo, DutyWorklist worklist, HttpContext http, CancellationToken ct) =>
        TypedResults.File(await worklist.ExportAsync(Me(http), new DutyFilter(kind, includeClosed ?? false, overdueOnly ?? false, branchId, clientNo), ct), Xlsx, "duties.xlsx");

    private static async Task<Results<Ok<CommissionView>, NotFound>> CommissionAsync(long id, DutyQueries queries, HttpContext http, CancellationToken ct) =>
        await queries.CommissionAsync(Me(http), id, ct) is { } view ? TypedResults.Ok(view) : TypedResults.NotFound();

    private static async Task<IResult> ProposeForClientAsync(ProposeCommissionRequest request, Commission.CommissionWorkflow workflow, HttpContext http, CancellationToken ct) =>
        ToHttp(await workflow.ProposeForClientAsync(Me(http), request.ClientNo ?? "", request.Rate ?? "", request.EffectiveOn, ct));

    private static async Task<IResult> CommissionFromTicketAsync(long ticketId, Commission.CommissionWorkflow workflow, HttpContext http, CancellationToken ct) =>
        ToHttp(await workflow.OpenFromTicketAsync(Me(http), ticketId, ct));

    private static async Task<IResult> ProposeAsync(long id, CommissionProposal request, Commission.CommissionWorkflow workflow, HttpContext http, CancellationToken ct) =>
        ToHttp(await workflow.ProposeAsync(Me(http), id, request.Rate ?? "", request.EffectiveOn, ct));

    private static async Task<IResult> ApproveAsync(long id, DecisionRequest? request, Commission.CommissionWorkflow workflow, HttpContext http, CancellationToken ct) =>
        ToHttp(await workflow.ApproveAsync(Me(http), id, request?.Comment, ct));

    private static async Task<IResult> RejectAsync(long id, DecisionRequest? request, Commission.CommissionWorkflow workflow, HttpContext http, CancellationToken ct) =>
        ToHttp(await workflow.RejectAsync(Me(http), id, request?.Comment, ct));

    private static async Task<IResult> WithdrawAsync(long id, Commission.CommissionWorkflow workflow, HttpContext http, CancellationToken ct) =>
        ToHttp(await workflow.WithdrawAsync(Me(http), id, ct));

    private static async Task<Results<Ok<ComplaintView>, NotFound>> ComplaintAsync(long id, DutyQueries queries, HttpContext http, CancellationToken ct) =>
        await queries.ComplaintAsync(Me(http), id, ct) is { } view ? TypedResults.Ok(view) : TypedResults.NotFound();

    private static async Task<IResult> RegisterComplaintAsync(RegisterComplaintRequest request, ComplaintWorkflow workflow, HttpContext http, CancellationToken ct) =>
        ToHttp(await workflow.RegisterAsync(Me(http), request.ClientNo ?? "", request.Summary ?? "", request.Category, request.ReceivedAt, ct));

    private static async Task<IResult> ComplaintFromTicketAsync(long ticketId, ComplaintWorkflow workflow, HttpContext http, CancellationToken ct) =>
        ToHttp(await workflow.RegisterFromTicketAsync(Me(http), ticketId, ct));

    private static async Task<IResult> AcknowledgeAsync(long id, ComplaintWorkflow workflow, HttpContext http, CancellationToken ct) =>
        ToHttp(await workflow.AcknowledgeAsync(Me(http), id, ct));

    private static async Task<IResult> ResolveAsync(long id, ResolveComplaintRequest request, ComplaintWorkflow workflow, HttpContext http, CancellationToken ct) =>
        ToHttp(await workflow.ResolveAsync(Me(http), id, request.Outcome, request.Text ?? "", ct));

    private static async Task<FileContentHttpResult> ComplaintReportAsync(int year, ComplaintReport report, HttpContext http, CancellationToken ct) =>
        TypedResults.File(await report.BuildAsync(Me(http), year, ct), Xlsx, $"complaints-{year}.xlsx");

    private static async Task<Ok<IReadOnlyList<AmlTaskView>>> AmlTasksAsync(bool? all, AmlWork aml, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await aml.TasksAsync(Me(http), !(all ?? false), ct));

    private static async Task<IResult> CompleteAmlTaskAsync(long id, CompleteAmlTaskRequest request, AmlWork aml, HttpContext http, CancellationToken ct) =>
        ToHttp(await aml.CompleteTaskAsync(Me(http), id, request.RiskLevel, request.IdExpiresOn, ct));

    private static async Task<Ok<IReadOnlyList<AmlCaseView>>> AmlCasesAsync(bool? all, AmlWork aml, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await aml.CasesAsync(Me(http), !(all ?? false), ct));

    private static async Task<IResult> AmlCaseFromTicketAsync(long ticketId, AmlCaseRequest? request, AmlWork aml, HttpContext http, CancellationToken ct) =>
        ToHttp(await aml.OpenCaseFromTicketAsync(Me(http), ticketId, request?.Note, ct));

    private static async Task<IResult> DecideAmlCaseAsync(long id, AmlCaseDecisionRequest request, AmlWork aml, HttpContext http, CancellationToken ct) =>
        ToHttp(await aml.DecideCaseAsync(Me(http), id, request.Decision, request.Reason ?? "", ct));

    private static async Task<Ok<IReadOnlyList<AmlReportItemView>>> AmlReportItemsAsync(DateOnly? day, bool? all, AmlWork aml, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await aml.ReportItemsAsync(Me(http), day, !(all ?? false), ct));

    private static async Task<IResult> MarkReportedAsync(ReportedItemsRequest request, AmlWork aml, HttpContext http, CancellationToken ct) =>
        ToHttp(await aml.MarkReportedAsync(Me(http), request.Ids ?? [], ct));

    private static async Task<Ok<IReadOnlyList<CallbackView>>> CallbacksAsync(bool? all, CallbackWork work, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await work.ListAsync(Me(http), !(all ?? false), ct));

    private static async Task<IResult> RecordCallbackAsync(long id, CallbackOutcomeRequest request, CallbackWork work, HttpContext http, CancellationToken ct) =>
        ToHttp(await work.RecordAsync(Me(http), id, request.Status, request.Satisfaction, request.Note, ct));

    private static async Task<Ok<CallbackPlanReport>> PlanCallbacksAsync(int year, decimal? rate, CallbackPlanner planner, CancellationToken ct) =>
        TypedResults.Ok(await planner.PlanAnnualAsync(year, rate, ct));

    private static IResult ToHttp(DutyResult r) => r.Status switch
    {
        DutyStatus.Done => TypedResults.Ok(new DutyResponse(r.Id)),
        DutyStatus.NotFound => TypedResults.NotFound(),
        DutyStatus.Forbidden => TypedResults.Problem(statusCode: 403, title: "Not allowed", detail: r.Message),
        DutyStatus.Conflict => TypedResults.Problem(statusCode: 409, title: "Changed or already decided", detail: r.Message),
        DutyStatus.Invalid => TypedResults.Problem(statusCode: 400, title: "The request is not valid", detail: r.Message),
    };
}
