using System.CommandLine;
using System.Text;
using CoServe.Features.Assets;
using CoServe.Platform.Time;
using Microsoft.Extensions.DependencyInjection;

namespace CoServe.Cli.Commands;

internal static class AssetsCommands
{
    public static Command Create()
    {
        var assets = new Command("assets", "Daily asset feeds");
        var import = new Command("import", "Import a daily asset feed (client_no, date, total_assets or components); strict: any bad row rejects the file");
        var io = new ImportOptions();
        io.AddTo(import);
        import.SetAction((parse, ct) => CliHost.RunAsync(parse, async sp =>
        {
            var (file, settings) = io.Read(parse);
            await using var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            var r = await sp.GetRequiredService<ImportAssetFeed>().RunAsync(stream, file.FullName, settings, ct);
            Console.WriteLine($"rows read: {r.RowsRead}; imported: {r.RowsImported}; rejected: {r.RowsRejected}");
            Console.WriteLine($"clients: {r.Clients}; new placeholder clients (incomplete): {r.NewPlaceholderClients}; months: {string.Join(", ", r.Months)}");
            Console.WriteLine($"duplicate rows in file (last one kept): {r.DuplicateRowsInFile}; stored values replaced: {r.ValuesReplaced}");
            if (r.IgnoredColumns.Count > 0) Console.WriteLine($"ignored columns: {string.Join(", ", r.IgnoredColumns)}");
            if (r.RejectsFile is not null && r.RowsRejected > 0) Console.WriteLine($"rejected rows written to {r.RejectsFile}");
            Console.WriteLine($"took {r.Elapsed.TotalSeconds:0.0} s");
            return 0;
        }, ct));
        assets.Subcommands.Add(import);
        return assets;
    }

    public static Command CreateSegment()
    {
        var month = new Option<string>("--month") { Description = "Month to close, yyyy-MM", Required = true };
        var mode = new Option<string?>("--mode") { Description = "natural (default: Assets:DefaultMode) or trading" };
        var output = new Option<FileInfo?>("--out") { Description = "Write client_no,month,mada,tier sorted by client_no" };
        var segment = new Command("segment", "Compute monthly average daily assets (月日均资产) and tiers for a month");
        segment.Options.Add(month);
        segment.Options.Add(mode);
        segment.Options.Add(output);
        segment.SetAction((parse, ct) => CliHost.RunAsync(parse, async sp =>
        {
            var m = CalendarMonth.Parse(parse.GetValue(month)!);
            MadaMode? madaMode = parse.GetValue(mode)?.Trim().ToLowerInvariant() switch
            {
                null => null,
                "natural" => MadaMode.Natural,
                "trading" => MadaMode.Trading,
                var other => throw new ArgumentException($"--mode must be natural or trading, not '{other}'"),
            };
            var outFile = parse.GetValue(output);
            string? temp = null;
            StreamWriter? writer = null;
            if (outFile is not null)
            {
                // Write next to the target and rename at the end: a failed run never leaves a half-written file.
                temp = outFile.FullName + ".partial";
                writer = new StreamWriter(temp, false, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
            }
            SegmentResult r;
            try
            {
                r = await sp.GetRequiredService<SegmentMonth>().RunAsync(m, madaMode, writer, ct);
            }
            catch
            {
                if (writer is not null) await writer.DisposeAsync();
                if (temp is not null) File.Delete(temp);
                throw;
            }
            if (writer is not null) await writer.DisposeAsync();
            if (temp is not null) File.Move(temp, outFile!.FullName, overwrite: true);
            Console.WriteLine($"{r.Month} ({r.Mode.ToString().ToLowerInvariant()}, {r.CountedDays} days): {r.Clients} clients, {r.BaseClients} base (两基), {r.HighEndClients} high-end");
            foreach (var (band, count) in r.ByReportingTier.OrderBy(b => b.Key, StringComparer.Ordinal)) Console.WriteLine($"  reporting tier {band}: {count}");
            if (outFile is not null) Console.WriteLine($"written to {outFile.FullName}");
            Console.WriteLine($"took {r.Elapsed.TotalSeconds:0.0} s");
            return 0;
        }, ct));
        return segment;
    }
}
