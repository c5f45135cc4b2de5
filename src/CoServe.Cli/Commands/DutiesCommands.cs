using System.CommandLine;
using CoServe.Features.Duties;
using CoServe.Features.Duties.Aml;
using CoServe.Features.Duties.Callbacks;
using CoServe.Features.Duties.Complaints;
using Microsoft.Extensions.DependencyInjection;

namespace CoServe.Cli.Commands;

/// <summary>Duties the client manager keeps: AML feeds and schedule, regulator complaints and report, callbacks.</summary>
internal static class DutiesCommands
{
    public static Command CreateAml()
    {
        var aml = new Command("aml", "Anti-money-laundering (反洗钱): transaction feeds and the review schedule");
        var import = new Command("import", "Import a transaction feed (strict CSV): large-value report items and suspicious-pattern cases for Compliance");
        var io = new ImportOptions();
        io.AddTo(import);
        import.SetAction((parse, ct) => CliHost.RunAsync(parse, async sp =>
        {
            var (file, settings) = Read(io, parse);
            await using var stream = Open(file);
            var r = await sp.GetRequiredService<ImportAmlFeed>().RunAsync(stream, file.FullName, settings, ct);
            Console.WriteLine($"rows read: {r.RowsRead}; transactions: {r.Transactions}; rejected: {r.RowsRejected}");
            Console.WriteLine($"days: {string.Join(", ", r.Days.Select(d => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)))}; client-days: {r.ClientDays}");
            Console.WriteLine($"report items: {r.ReportItemsAdded} new, {r.ReportItemsUpdated} updated; cases for Compliance: {r.CasesAdded} new");
            if (r.IgnoredColumns.Count > 0) Console.WriteLine($"ignored columns: {string.Join(", ", r.IgnoredColumns)}");
            if (r.RejectsFile is not null && r.RowsRejected > 0) Console.WriteLine($"rejected rows written to {r.RejectsFile}");
            Console.WriteLine($"took {r.Elapsed.TotalSeconds:0.0} s (reading and detection {r.ReadAndDetect.TotalSeconds:0.0} s)");
            return 0;
        }, ct));
        var schedule = new Command("schedule", "Create due periodic-review and KYC refresh tasks for the AML duty owners (idempotent; the web app runs it daily)");
        schedule.SetAction((parse, ct) => CliHost.RunAsync(parse, async sp =>
        {
            var r = await sp.GetRequiredService<AmlSchedule>().RunAsync(ct);
            Console.WriteLine($"tasks created: {r.Reviews} periodic reviews, {r.IdDocuments} expiring ID documents, {r.KycRefreshes} KYC refreshes");
            return 0;
        }, ct));
        aml.Subcommands.Add(import);
        aml.Subcommands.Add(schedule);
        return aml;
    }

    public static Command CreateComplaints()
    {
        var complaints = new Command("complaints", "Complaints (投诉): regulator imports and the annual report");
        var import = new Command("import", "Import complaints forwarded by the regulator (12386 platform CSV); idempotent by source_id");
        var io = new ImportOptions();
        io.AddTo(import);
        import.SetAction((parse, ct) => CliHost.RunAsync(parse, async sp =>
        {
            var (file, settings) = Read(io, parse);
            await using var stream = Open(file);
            var r = await sp.GetRequiredService<ImportRegulatorComplaints>().RunAsync(stream, file.FullName, settings, ct);
            Console.WriteLine($"rows read: {r.RowsRead}; registered: {r.Registered}; already registered: {r.AlreadyRegistered}; rejected: {r.RowsRejected}");
            if (r.RejectsFile is not null && r.RowsRejected > 0) Console.WriteLine($"rejected rows written to {r.RejectsFile}");
            return 0;
        }, ct));

        var asUser = new Option<string>("--as") { Description = "Staff login (Compliance or Admin)", Required = true };
        var year = new Option<int>("--year") { Description = "Calendar year of the report", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Excel file to write", Required = true };
        var report = new Command("report", "Annual complaints report for the regulator (Excel)");
        report.Options.Add(asUser);
        report.Options.Add(year);
        report.Options.Add(output);
        report.SetAction((parse, ct) => CliHost.RunAsync(parse, async sp =>
        {
            var staff = await CliStaff.AsAsync(sp, parse.GetValue(asUser)!, ct);
            var bytes = await sp.GetRequiredService<ComplaintReport>().BuildAsync(staff, parse.GetValue(year), ct);
            var target = parse.GetValue(output)!;
            var temp = target.FullName + ".partial";
            await File.WriteAllBytesAsync(temp, bytes, ct);
            File.Move(temp, target.FullName, overwrite: true);
            Console.WriteLine($"written to {target.FullName} ({bytes.Length:N0} bytes)");
            return 0;
        }, ct));
        complaints.Subcommands.Add(import);
        complaints.Subcommands.Add(report);
        return complaints;
    }

    public static Command CreateCallbacks()
    {
        var callbacks = new Command("callbacks", "Client callbacks (回访): new clients within a month, a yearly sample of existing clients");
        var year = new Option<int>("--year") { Description = "Year of the sample", Required = true };
        var rate = new Option<decimal?>("--rate") { Description = "Share of existing clients to sample (default Duties:Callbacks:AnnualSampleRate; 0.10 to 1)" };
        var plan = new Command("plan", "Create the year's sampled callback tasks (deterministic and idempotent) and any due new-client callbacks");
        plan.Options.Add(year);
        plan.Options.Add(rate);
        plan.SetAction((parse, ct) => CliHost.RunAsync(parse, async sp =>
        {
            var planner = sp.GetRequiredService<CallbackPlanner>();
            var fresh = await planner.PlanNewClientsAsync(ct);
            var r = await planner.PlanAnnualAsync(parse.GetValue(year), parse.GetValue(rate), ct);
            Console.WriteLine($"new-client callbacks created: {fresh}; existing clients: {r.ExistingClients}, sampled {r.Sampled}, tasks created {r.Created}");
            return 0;
        }, ct));
        callbacks.Subcommands.Add(plan);
        return callbacks;
    }

    private static (FileInfo File, DutyImportSettings Settings) Read(ImportOptions io, ParseResult parse)
    {
        var (file, asset) = io.Read(parse);
        return (file, new DutyImportSettings(asset.Encoding, asset.SkipBadRows));
    }

    private static FileStream Open(FileInfo file) =>
        new(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
}
