using System.CommandLine;
using CoServe.Features.Channels.WeCom.Simulator;

namespace CoServe.Cli.Commands;

internal static class WeComCommands
{
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
