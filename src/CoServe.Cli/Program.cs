using System.CommandLine;
using CoServe.Cli.Commands;

namespace CoServe.Cli;

internal static class Program
{
    private static Task<int> Main(string[] args)
    {
        var root = new RootCommand("coserve: the CoServe command line (imports, month close, tokens, staff, demo data)");
        CliHost.AddGlobalOptions(root);
        root.Subcommands.Add(DbCommands.Create());
        root.Subcommands.Add(ClientsCommands.Create());
        root.Subcommands.Add(AssetsCommands.Create());
        root.Subcommands.Add(AssetsCommands.CreateSegment());
        root.Subcommands.Add(TokensCommands.Create());
        root.Subcommands.Add(StaffCommands.Create());
        root.Subcommands.Add(StaffCommands.CreateBranches());
        root.Subcommands.Add(DemoCommands.Create());
        root.Subcommands.Add(WeComCommands.CreateSimulator());
        root.Subcommands.Add(WeComCommands.Create());
        NluCommands.AddTo(root);
        root.Subcommands.Add(TransfersCommands.Create());
        root.Subcommands.Add(DutiesCommands.CreateAml());
        root.Subcommands.Add(DutiesCommands.CreateComplaints());
        root.Subcommands.Add(DutiesCommands.CreateCallbacks());
        root.Subcommands.Add(KbCommands.Create());
        return root.Parse(args).InvokeAsync();
    }
}
