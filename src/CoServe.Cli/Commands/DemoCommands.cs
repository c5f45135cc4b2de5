using System.CommandLine;
using CoServe.Features.Demo;
using Microsoft.Extensions.DependencyInjection;

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
            Console.WriteLine($"took {r.Elapsed.TotalSeconds:0.0} s");
            return 0;
        }, ct));
        demo.Subcommands.Add(seed);
        return demo;
    }
}
