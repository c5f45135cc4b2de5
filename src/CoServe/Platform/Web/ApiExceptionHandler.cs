using CoServe.Platform.Csv;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace CoServe.Platform.Web;

/// <summary>
/// Turns validation failures raised by use cases (ArgumentException, FormatException, rejected imports) into
/// 400 ProblemDetails with their message. Everything else stays a 500 without internals in the response.
/// </summary>
internal sealed class ApiExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        if (exception is not (ArgumentException or FormatException or ImportRejectedException)) return false;
        http.Response.StatusCode = StatusCodes.Status400BadRequest;
        var message = exception is ArgumentException a && a.ParamName is not null
            ? a.Message.Replace($" (Parameter '{a.ParamName}')", "", StringComparison.Ordinal)
            : exception.Message;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = 400, Title = "The request is not valid", Detail = message },
        });
    }
}
