using System.CommandLine;
using CoServe.Features.Clients;
using Microsoft.Extensions.DependencyInjection;

namespace CoServe.Cli.Commands;

internal static class ClientsCommands
{
    public static Command Create()
    {
        var clients = new Command("clients", "The client book");
        var import = new Command("import", "Upsert clients from CSV by client_no (UTF-8 or GBK; columns by name, Chinese aliases accepted)");
        var io = new ImportOptions();
        io.AddTo(import);
        import.SetAction((parse, ct) => CliHost.RunAsync(parse, async sp =>
        {
            var (file, settings) = io.Read(parse);
            await using var stream = file.OpenRead();
            var r = await sp.GetRequiredService<ImportClientBook>().RunAsync(stream, file.FullName, settings, ct);
            Console.WriteLine($"rows read: {r.RowsRead}; created: {r.Created}; updated: {r.Updated}; placeholders completed: {r.PlaceholdersCompleted}; rejected: {r.RowsRejected}");
            if (r.IgnoredColumns.Count > 0) Console.WriteLine($"ignored columns: {string.Join(", ", r.IgnoredColumns)}");
            if (r.RejectsFile is not null && r.RowsRejected > 0) Console.WriteLine($"rejected rows written to {r.RejectsFile}");
            Console.WriteLine($"took {r.Elapsed.TotalSeconds:0.0} s");
            return 0;
        }, ct));
        clients.Subcommands.Add(import);
        return clients;
    }
}
