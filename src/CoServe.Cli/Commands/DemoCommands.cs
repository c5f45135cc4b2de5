using System.CommandLine;
using CoServe.Features.Demo;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CoServe.Cli.Commands;

internal static class DemoCommands
{
    public static Command Create()
    {
        var demo = new Command("demo", "Synthetic demo data");
        var seed = new Command("seed", "Fill an empty store with a synthetic brokerage (never run against production)");
        seed.SetAction((parse, ct) => CliHost.RunAsync(parse, async sp =>
        {
            var r = await sp.GetRequiredService<DemoSeeder>().SeedAsync(ct);
            Console.WriteLine($"seeded {r.Branches} branches, {r.Staff} staff, {r.Clients} clients, {r.AssetMonths} client-months of daily assets; segmented {string.Join(", ", r.SegmentedMonths)}");
            if (sp.GetRequiredService<IOptions<DemoOptions>>().Value.Conversations)
            {
                // No service officer runs in the CLI: every round at once, answered in order when the app runs.
                var c = await sp.GetRequiredService<DemoConversations>().ReplayAsync(_ => Task.CompletedTask, ct);
                Console.WriteLine($"stored {c.Stored} client messages of {c.Dialogues} demo dialogues; the service officer answers them when the app runs");
                foreach (var problem in c.Problems) Console.Error.WriteLine(problem);
            }
            Console.WriteLine($"took {r.Elapsed.TotalSeconds:0.0} s");
            return 0;
        }, ct));
        demo.Subcommands.Add(seed);
        return demo;
    }
}
