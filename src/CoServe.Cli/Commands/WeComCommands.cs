using System.CommandLine;
using CoServe.Features.Channels.WeCom.Archive;
using CoServe.Features.Channels.WeCom.Simulator;
using Microsoft.Extensions.DependencyInjection;

namespace CoServe.Cli.Commands;

internal static class WeComCommands
{
    /// <summary>`coserve wecom archive pull|status|retry|gaps`: the conversation archive (会话存档) by hand.</summary>
    public static Command Create()
    {
        var app = new Option<string>("--app") { Description = "WeCom app whose archive to read (WeCom:Archive:Apps:{app})", DefaultValueFactory = _ => "main" };
        var pages = new Option<int>("--max-pages") { Description = "Stop after this many pages (of WeCom:Archive:BatchSize records)", DefaultValueFactory = _ => 1000 };
        var pull = new Command("pull", "Read the archive from the stored cursor to its end once, writing consented client chats to timelines");
        pull.Options.Add(app);
        pull.Options.Add(pages);
        pull.SetAction((parse, ct) => CliHost.RunAsync(parse, async sp =>
        {
            var name = parse.GetValue(app)!;
            var results = await sp.GetRequiredService<ArchivePuller>().PullAllAsync(name, Math.Max(1, parse.GetValue(pages)), ct);
            Console.WriteLine($"{name}: {results.Sum(r => r.Records)} records in {results.Count} page(s); written {results.Sum(r => r.Written)}, "
                + $"without consent {results.Sum(r => r.SkippedNoConsent)}, not a client chat {results.Sum(r => r.SkippedNoClient)}, ignored {results.Sum(r => r.Ignored)}, "
                + $"failed {results.Sum(r => r.Failed)}; cursor at seq {results[^1].Seq}{(results[^1].CaughtUp ? "" : " (more to read)")}");
            return PrintStatus(await sp.GetRequiredService<ArchiveStatus>().ReadAsync(0, ct), name);
        }, ct));

        var status = new Command("status", "Show each app's cursor, lag and recent unreadable records");
        status.SetAction((parse, ct) => CliHost.RunAsync(parse, async sp =>
        {
            var report = await sp.GetRequiredService<ArchiveStatus>().ReadAsync(20, ct);
            var code = 0;
            foreach (var a in report.Apps) code = Math.Max(code, PrintStatus(report, a.App));
            foreach (var f in report.RecentFailures) Console.WriteLine($"quarantined: {f.App} seq {f.Seq} msgid {f.MsgId} publickey_ver {f.PublicKeyVersion}: {f.Reason} {f.Detail} at {f.At:u}, {f.Attempts} attempt(s)");
            foreach (var g in report.OpenGaps) Console.WriteLine(GapLine(g));
            return code;
        }, ct));

        var retry = new Command("retry", "Read every quarantined (unreadable) record again with the keys configured now");
        retry.Options.Add(app);
        retry.SetAction((parse, ct) => CliHost.RunAsync(parse, async sp =>
        {
            var name = parse.GetValue(app)!;
            var r = await sp.GetRequiredService<ArchivePuller>().RetryQuarantinedAsync(name, all: true, ct);
            Console.WriteLine($"{name}: retried {r.Tried} quarantined record(s); written {r.Written}, without consent {r.SkippedNoConsent}, not a client chat {r.SkippedNoClient}, "
                + $"ignored {r.Ignored}, still unreadable {r.StillFailing}{(r.Raced ? " (another node was retrying the same records; run again)" : "")}");
            return r.StillFailing > 0 || r.Raced ? 4 : 0;
        }, ct));

        var ack = new Option<bool>("--ack") { Description = "Acknowledge the listed gaps (ends the lost-records alert)" };
        var by = new Option<string>("--by") { Description = "Who acknowledges (recorded with the gaps)", DefaultValueFactory = _ => Environment.UserName };
        var gaps = new Command("gaps", "List lost records (seq gaps) not yet acknowledged; --ack acknowledges them");
        gaps.Options.Add(app);
        gaps.Options.Add(ack);
        gaps.Options.Add(by);
        gaps.SetAction((parse, ct) => CliHost.RunAsync(parse, async sp =>
        {
            var name = parse.GetValue(app)!;
            var status = sp.GetRequiredService<ArchiveStatus>();
            var open = (await status.ReadAsync(1000, ct)).OpenGaps.Where(g => g.App == name).ToList();
            foreach (var g in open) Console.WriteLine(GapLine(g));
            if (!parse.GetValue(ack)) return open.Count > 0 ? 3 : 0;
            Console.WriteLine($"{name}: acknowledged {await status.AcknowledgeGapsAsync(name, parse.GetValue(by)!, ct)} gap(s)");
            return 0;
        }, ct));

        var archive = new Command("archive", "Conversation archive (会话存档)");
        archive.Subcommands.Add(pull);
        archive.Subcommands.Add(status);
        archive.Subcommands.Add(retry);
        archive.Subcommands.Add(gaps);
        var wecom = new Command("wecom", "WeCom (企业微信) operations");
        wecom.Subcommands.Add(archive);
        return wecom;
    }

    private static string GapLine(ArchiveGapRow g) => g.Kind == ArchiveGapKind.SeqJump
        ? $"lost: {g.App} {g.Missing} record(s) between seq {g.AfterSeq} and {g.BeforeSeq}, detected {g.DetectedAt:u}"
        : $"possibly lost: {g.App} after seq {g.AfterSeq}, the last pull was older than WeCom's {ArchiveOptions.RetentionDays}-day retention, detected {g.DetectedAt:u}";

    /// <summary>Prints one app's lag; exit code 3 when it is past the alert bound or has lost records, so a cron job can page someone.</summary>
    private static int PrintStatus(ArchiveStatusReport report, string app)
    {
        if (report.Apps.FirstOrDefault(a => a.App == app) is not { } a) return 0;
        Console.WriteLine($"{a.App}: seq {a.Seq}, lag {a.Lag.TotalMinutes:0} min (alert above {report.LagAlertMinutes}), last pull {a.LastPullAt?.ToString("u") ?? "never"}, "
            + $"newest message {a.NewestMessageAt?.ToString("u") ?? "none"}; totals written {a.Written}, without consent {a.SkippedNoConsent}, not a client chat {a.SkippedNoClient}, ignored {a.Ignored}, failed {a.Failed}; "
            + $"quarantined {a.Quarantined}");
        if (a.Alert) Console.Error.WriteLine($"ALERT: the {a.App} archive is {a.Lag.TotalHours:0.0} h behind; WeCom keeps messages only {ArchiveOptions.RetentionDays} days");
        if (a.GapAlert) Console.Error.WriteLine($"ALERT: the {a.App} archive lost records: {a.OpenGaps} gap(s), {a.MissingSeqs} seq(s) known missing; see `coserve wecom archive gaps`");
        return a.Alert || a.GapAlert ? 3 : 0;
    }

    /// <summary>`coserve wecom-sim`: the local WeCom simulator for the demo and manual testing.</summary>
    public static Command CreateSimulator()
    {
        var defaults = new SimulatorOptions();
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1", DefaultValueFactory = _ => 5090 };
        var callback = new Option<string?>("--callback") { Description = "CoServe's callback URL, e.g. http://127.0.0.1:5080/api/wecom/callback/main" };
        var contacts = new Option<int>("--contacts-per-user") { Description = "External contacts generated per staff member", DefaultValueFactory = _ => 50 };
        var users = new Option<int>("--staff-users") { Description = "Staff members cm0001.. with contacts", DefaultValueFactory = _ => defaults.StaffUsers };
        var rate = new Option<int>("--rate-limit") { Description = "Calls per minute per API before errcode 45009", DefaultValueFactory = _ => defaults.RateLimitPerMinute };
        var command = new Command("wecom-sim", "Run a local WeCom simulator (API subset, callbacks, /sim control API) until Ctrl+C");
        command.Options.Add(port);
        command.Options.Add(callback);
        command.Options.Add(contacts);
        command.Options.Add(users);
        command.Options.Add(rate);
        command.SetAction(async (parse, ct) =>
        {
            var options = new SimulatorOptions
            {
                CallbackUrl = parse.GetValue(callback),
                ContactsPerUser = Math.Max(0, parse.GetValue(contacts)),
                StaffUsers = Math.Max(0, parse.GetValue(users)),
                RateLimitPerMinute = Math.Max(1, parse.GetValue(rate)),
            };
            await using var sim = await WeComSimulator.StartAsync(options, parse.GetValue(port), ct);
            Console.WriteLine($"WeCom simulator on {sim.BaseAddress} ({sim.State.ContactCount} contacts); callbacks to {options.CallbackUrl ?? "(none)"}");
            Console.WriteLine($"CoServe settings: WeCom:ApiBaseAddress={sim.BaseAddress} WeCom:Apps:main:CorpId={options.CorpId} Token={options.Token} EncodingAesKey={options.EncodingAesKey} Secret={options.Secret} OpenKfId={options.OpenKfId}");
            Console.WriteLine("control: POST /sim/clients/{external_userid}/say {\"text\":\"...\"}, GET /sim/delivered, GET /sim/calls; Ctrl+C to stop");
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: stop the server.
            }
            return 0;
        });
        return command;
    }
}
