using CoServe.Features.Assets;
using CoServe.Features.Security;
using CoServe.Platform.Auth;
using CoServe.Platform.Crypto;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CoServe.Features.Clients;

/// <param name="Field">Name, Mobile or IdNumber.</param>
/// <param name="Purpose">Why, in the reader's words (audited; at least 4 characters).</param>
/// <param name="Kind">The purpose's category (ClientService, AccountService, Complaint, Callback, Aml, ComplianceCheck, Other; default Other); the client sees it in his privacy page, never an Aml one.</param>
public sealed record RevealRequest(string Field, string Purpose, string? Kind = null);

public sealed record RevealResponse(string ClientNo, string Field, string? Value);

/// <summary>
/// The client book over HTTP, scoped exactly like the console. A client outside the caller's scope answers
/// 404, the same as a client that does not exist, so scopes do not leak which clients exist.
/// </summary>
public static class ClientEndpoints
{
    public static IEndpointRouteBuilder MapClients(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/clients").RequireAuthorization(Policies.Staff).WithTags("Clients");
        group.MapGet("/", SearchAsync).WithSummary("Search clients in scope (client_no prefix, exact mobile, exact name) with filters");
        group.MapGet("/{clientNo}", GetAsync).WithSummary("A client's masked profile, servicers and consents");
        group.MapGet("/{clientNo}/servicers", ServicersAsync).WithSummary("Primary servicer and co-servicers with duty scopes");
        group.MapPost("/{clientNo}/reveal", RevealAsync).WithSummary("Unmask one personal field for a stated purpose (audited)");
        return app;
    }

    private static async Task<Ok<ClientPage>> SearchAsync(
        [AsParameters] ClientSearchQuery query,
        ClientQueries queries,
        HttpContext http,
        CancellationToken ct)
    {
        var staff = CurrentStaff.Require(http.User);
        var page = await queries.SearchAsync(staff, new ClientSearchRequest(query.Q, query.Tier, query.Branch, query.Servicer, query.After, query.PageSize ?? 50), ct);
        return TypedResults.Ok(page);
    }

    private static async Task<Results<Ok<ClientProfile>, NotFound>> GetAsync(string clientNo, ClientQueries queries, HttpContext http, CancellationToken ct)
    {
        var profile = await queries.ProfileAsync(CurrentStaff.Require(http.User), clientNo, ct);
        return profile is null ? TypedResults.NotFound() : TypedResults.Ok(profile);
    }

    private static async Task<Results<Ok<IReadOnlyList<ServicerView>>, NotFound>> ServicersAsync(string clientNo, ClientQueries queries, HttpContext http, CancellationToken ct)
    {
        var profile = await queries.ProfileAsync(CurrentStaff.Require(http.User), clientNo, ct);
        return profile is null ? TypedResults.NotFound() : TypedResults.Ok(profile.Servicers);
    }

    private static async Task<Results<Ok<RevealResponse>, NotFound, ValidationProblem>> RevealAsync(
        string clientNo,
        RevealRequest request,
        RevealPersonalData reveal,
        HttpContext http,
        CancellationToken ct)
    {
        if (!Enum.TryParse<ProtectedField>(request.Field, ignoreCase: true, out var field) || !Enum.IsDefined(field))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["field"] = ["field must be Name, Mobile or IdNumber"] });
        }
        var kind = AccessPurpose.Other;
        if (request.Kind is not null && (!Enum.TryParse(request.Kind, ignoreCase: true, out kind) || !Enum.IsDefined(kind)))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["kind"] = [$"kind must be one of {string.Join(", ", Enum.GetNames<AccessPurpose>())}"] });
        }
        try
        {
            var result = await reveal.RevealAsync(CurrentStaff.Require(http.User), clientNo, field, kind, request.Purpose, "api", ct);
            return result is null ? TypedResults.NotFound() : TypedResults.Ok(new RevealResponse(result.ClientNo, result.Field.ToString(), result.Value));
        }
        catch (ArgumentException ex)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["purpose"] = [ex.Message.Split(" (Parameter", 2)[0]] });
        }
    }
}

public sealed record ClientSearchQuery(string? Q, AssetTier? Tier, int? Branch, string? Servicer, string? After, int? PageSize);
