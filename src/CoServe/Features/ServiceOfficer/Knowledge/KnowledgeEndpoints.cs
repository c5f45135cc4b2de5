using CoServe.Platform.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace CoServe.Features.ServiceOfficer.Knowledge;

public sealed record KnowledgeDraftRequest(
    string Category,
    string Question,
    IReadOnlyList<string>? Paraphrases,
    string Answer,
    string? ProductRiskLevel,
    IReadOnlyList<string>? Tags,
    DateOnly? EffectiveFrom,
    DateOnly? EffectiveTo,
    int? ExpectedRevision = null)
{
    public KnowledgeDraft ToDraft()
    {
        ProductRiskLevel? level = null;
        if (!string.IsNullOrWhiteSpace(ProductRiskLevel))
        {
            if (!SeedFiles.TryParseRiskLevel(ProductRiskLevel.Trim(), out var l)) throw new KnowledgeDraftException([new("productRiskLevel", $"'{ProductRiskLevel}' is not R1..R5")]);
            level = l;
        }
        return new KnowledgeDraft(Category ?? "", Question ?? "", Paraphrases ?? [], Answer ?? "", level, Tags ?? [], EffectiveFrom, EffectiveTo);
    }
}

public sealed record KnowledgeReviewRequest(string? Note);

public sealed record KnowledgeReasonRequest(string Reason);

/// <summary>The knowledge base over HTTP: the same use cases and role rules as the console pages.</summary>
public static class KnowledgeEndpoints
{
    public static IEndpointRouteBuilder MapKnowledgeBase(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/kb").RequireAuthorization(Policies.Staff).WithTags("KnowledgeBase");
        g.MapGet("/entries", async (string? q, string? category, KnowledgeStatus? status, bool? retired, KnowledgeBase kb, CancellationToken ct) =>
            TypedResults.Ok(await kb.ListAsync(new KnowledgeFilter(q, category, status, retired), ct)));
        g.MapGet("/entries/{entryId}", GetAsync);
        g.MapPost("/entries", async (KnowledgeDraftRequest r, KnowledgeBase kb, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await kb.CreateAsync(CurrentStaff.Require(http.User), r.ToDraft(), ct)))
            .WithSummary("Create an entry as a draft");
        g.MapPut("/entries/{entryId}", async (string entryId, KnowledgeDraftRequest r, KnowledgeBase kb, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await kb.EditAsync(CurrentStaff.Require(http.User), entryId, r.ToDraft(), r.ExpectedRevision, ct)))
            .WithSummary("Edit the draft, or start a new draft version from an approved one");
        g.MapPost("/entries/{entryId}/submit", async (string entryId, KnowledgeBase kb, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await kb.SubmitAsync(CurrentStaff.Require(http.User), entryId, ct)));
        g.MapPost("/entries/{entryId}/retire", async (string entryId, KnowledgeReasonRequest r, KnowledgeBase kb, HttpContext http, CancellationToken ct) =>
        {
            await kb.RetireAsync(CurrentStaff.Require(http.User), entryId, r.Reason, ct);
            return TypedResults.NoContent();
        });
        g.MapGet("/review", async (KnowledgeBase kb, CancellationToken ct) => TypedResults.Ok(await kb.ReviewQueueAsync(ct)));
        g.MapPost("/versions/{id:long}/approve", async (long id, KnowledgeReviewRequest? r, KnowledgeBase kb, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await kb.ApproveAsync(CurrentStaff.Require(http.User), id, r?.Note, ct)))
            .WithSummary("Approve a version (Compliance); the engine reloads in the background");
        g.MapPost("/versions/{id:long}/reject", async (long id, KnowledgeReasonRequest r, KnowledgeBase kb, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await kb.RejectAsync(CurrentStaff.Require(http.User), id, r.Reason, ct)));
        g.MapPost("/ask", async (AskRequest r, KnowledgeAsk ask, CancellationToken ct) => TypedResults.Ok(await ask.AskAsync(r, ct)))
            .WithSummary("What the engine would answer now, with the ranking and why");
        g.MapGet("/export", ExportAsync).WithSummary("The knowledge base as JSON or Excel");
        g.MapPost("/import", ImportAsync).WithSummary("Import a JSON or Excel file (the request body) as drafts, or approved (Compliance)");
        return app;
    }

    private static async Task<Results<Ok<KnowledgeEntryDetail>, NotFound>> GetAsync(string entryId, KnowledgeBase kb, CancellationToken ct) =>
        await kb.GetAsync(entryId, ct) is { } d ? TypedResults.Ok(d) : TypedResults.NotFound();

    private static async Task<FileContentHttpResult> ExportAsync(string? format, KnowledgeExportSelection? which, KnowledgeImport import, CancellationToken ct)
    {
        var f = KnowledgeFiles.FormatOf("", format ?? "json");
        using var ms = new MemoryStream();
        await import.ExportAsync(ms, f, which ?? KnowledgeExportSelection.Approved, ct);
        return f == KnowledgeFileFormat.Json
            ? TypedResults.File(ms.ToArray(), "application/json", "knowledge-base.json")
            : TypedResults.File(ms.ToArray(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "knowledge-base.xlsx");
    }

    private static async Task<Ok<KnowledgeImportResult>> ImportAsync(string? format, bool? approve, HttpRequest request, KnowledgeImport import, IOptions<KnowledgeBaseOptions> options, HttpContext http, CancellationToken ct)
    {
        var f = KnowledgeFiles.FormatOf("", format ?? "json");
        using var ms = new MemoryStream();
        await request.Body.CopyToAsync(ms, ct);
        if (ms.Length > options.Value.MaxImportBytes) throw new ArgumentException($"the file is larger than {options.Value.MaxImportBytes} bytes (KnowledgeBase:MaxImportBytes)");
        ms.Position = 0;
        return TypedResults.Ok(await import.ImportAsync(CurrentStaff.Require(http.User), ms, f, "upload", approve ?? false, ct));
    }
}
