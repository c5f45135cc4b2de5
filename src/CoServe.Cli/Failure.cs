using CoServe.Platform.Csv;
using Microsoft.Extensions.Options;

namespace CoServe.Cli;

/// <summary>Turns expected failures into one clear message for the terminal (and exit code 1).</summary>
internal static class Failure
{
    public static string? Describe(Exception ex) => ex switch
    {
        ImportRejectedException r => "rejected: " + r.Message,
        CoServe.Features.Channels.WeCom.Archive.ArchiveSourceException a => "WeCom archive not readable now: " + a.Message,
        OptionsValidationException o => "configuration is not valid: " + string.Join("; ", o.Failures),
        ArgumentException a => "error: " + (a.ParamName is null ? a.Message : a.Message.Replace($" (Parameter '{a.ParamName}')", "", StringComparison.Ordinal)),
        FormatException f => "error: " + f.Message,
        InvalidOperationException i => "error: " + i.Message,
        FileNotFoundException n => "error: " + n.Message,
        DirectoryNotFoundException d => "error: " + d.Message,
        UnauthorizedAccessException u => "error: " + u.Message,
        CoServe.Platform.Web.RuleViolationException r => "not possible: " + r.Message,
        Microsoft.Data.Sqlite.SqliteException s => "database error: " + s.Message,
        Npgsql.NpgsqlException n => "database error: " + n.Message,
        OperationCanceledException => "cancelled; nothing was committed",
        _ => null,
    };
}
