using CoServe.Platform.Csv;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace CoServe.Platform.Web;

/// <summary>
/// Turns failures raised by use cases into ProblemDetails with their message: validation (ArgumentException,
/// FormatException, rejected imports) 400, rule violations 409, role not allowed 403. Everything else stays a
/// 500 without internals in the response.
/// </summary>
internal sealed class ApiExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        var (status, title) = exception switch
        {
            ArgumentException or FormatException or ImportRejectedException => (StatusCodes.Status400BadRequest, "The request is not valid"),
            RuleViolationException => (StatusCodes.Status409Conflict, "Not possible now"),
            UnauthorizedAccessException => (StatusCodes.Status403Forbidden, "Not allowed"),
            _ => (0, ""),
        };
        if (status == 0) return false;
        http.Response.StatusCode = status;
        var message = exception is ArgumentException a && a.ParamName is not null
            ? a.Message.Replace($" (Parameter '{a.ParamName}')", "", StringComparison.Ordinal)
            : exception.Message;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = message },
        });
    }
}
