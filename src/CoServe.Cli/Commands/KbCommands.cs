using System.CommandLine;
using CoServe.Data;
using CoServe.Features.ServiceOfficer.Knowledge;
using CoServe.Platform.Auth;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CoServe.Cli.Commands;

/// <summary>`coserve kb import|export`: the stored knowledge base as JSON or Excel.</summary>
internal static class KbCommands
{
    public static Command Create()
    {
        var kb = new Command("kb", "The service officer's knowledge base: import and export (JSON or Excel)");

        var file = new Argument<string>("FILE") { Description = "A .json (seed format) or .xlsx file" };
        var asUser = new Option<string>("--as") { Description = "Staff login the import is recorded under (digital team for drafts, Compliance with --approve)", Required = true };
        var approve = new Option<bool>("--approve") { Description = "Approve the imported versions at once (Compliance only)" };
        var importFormat = new Option<string?>("--format") { Description = "json or xlsx (default: from the file extension)" };
        var import = new Command("import", "Import entries by id as drafts (or approved with --approve); strict: any bad row rejects the whole file; re-importing changes nothing");
        import.Arguments.Add(file);
        import.Options.Add(asUser);
        import.Options.Add(approve);
        import.Options.Add(importFormat);
        import.SetAction((parse, ct) => CliHost.RunAsync(parse, async sp =>
        {
            var path = parse.GetValue(file)!;
            var format = KnowledgeFiles.FormatOf(path, parse.GetValue(importFormat));
            var staff = await StaffAsync(sp, parse.GetValue(asUser)!, ct);
            await sp.GetRequiredService<DbKnowledgeSource>().EnsureSeededAsync(ct);
            await using var stream = File.OpenRead(path);
            var r = await sp.GetRequiredService<KnowledgeImport>().ImportAsync(staff, stream, format, path, parse.GetValue(approve), ct);
            Console.WriteLine($"{r.Entries} entries: {r.Created} created, {r.Changed} changed, {r.Unchanged} unchanged, {r.Approved} approved");
            return 0;
        }, ct));

        var format = new Option<string>("--format") { Description = "json or xlsx", DefaultValueFactory = _ => "json" };
        var output = new Option<string>("--out") { Description = "Output file", Required = true };
        var which = new Option<string>("--which") { Description = "approved (what the engine answers from, default) or latest (newest version of every entry)", DefaultValueFactory = _ => "approved" };
        var export = new Command("export", "Export the knowledge base");
        export.Options.Add(format);
        export.Options.Add(output);
        export.Options.Add(which);
        export.SetAction((parse, ct) => CliHost.RunAsync(parse, async sp =>
        {
            var f = KnowledgeFiles.FormatOf("", parse.GetValue(format));
            var selection = parse.GetValue(which)?.Trim().ToLowerInvariant() switch
            {
                "approved" => KnowledgeExportSelection.Approved,
                "latest" => KnowledgeExportSelection.Latest,
                var other => throw new ArgumentException($"--which must be approved or latest, not '{other}'"),
            };
            await sp.GetRequiredService<DbKnowledgeSource>().EnsureSeededAsync(ct);
            var path = Path.GetFullPath(parse.GetValue(output)!);
            var temp = path + ".tmp";
            await using (var stream = File.Create(temp))
            {
                await sp.GetRequiredService<KnowledgeImport>().ExportAsync(stream, f, selection, ct);
            }
            File.Move(temp, path, overwrite: true);
            Console.WriteLine($"wrote {path}");
            return 0;
        }, ct));

        kb.Subcommands.Add(import);
        kb.Subcommands.Add(export);
        return kb;
    }

    private static async Task<CurrentStaff> StaffAsync(IServiceProvider sp, string login, CancellationToken ct)
    {
        var l = login.Trim().ToLowerInvariant();
        var staff = await sp.GetRequiredService<CoServeDb>().Staff.AsNoTracking().SingleOrDefaultAsync(s => s.Login == l && s.IsActive, ct)
            ?? throw new ArgumentException($"no active staff account '{login}'");
        return CurrentStaff.From(staff);
    }
}
