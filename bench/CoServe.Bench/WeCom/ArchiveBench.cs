using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using CoServe.Bench.Core;
using CoServe.Data;
using CoServe.Features.Channels.WeCom.Archive;
using CoServe.Features.Channels.WeCom.Simulator;
using CoServe.Features.Clients;
using CoServe.Features.Organization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CoServe.Bench.WeCom;

/// <summary>
/// <c>wecom-archive --messages 100000</c>: the WeCom simulator (in this process, over loopback HTTP) holds N archived
/// messages between 100 managers and 2,000 linked clients (90% consented), each record's random key RSA-2048
/// encrypted; CoServe pulls the archive to its end in pages of 1000 on an embedded (SQLite) store: RSA decryption
/// of every random key, message decryption, mapping, timeline events (text encrypted) and the cursor per page.
/// </summary>
internal static class ArchiveBench
{
    private const int Managers = 100;
    private const int Clients = 2_000;

    public static async Task<int> RunAsync(string[] args)
    {
        var a = new BenchArgs(args);
        var messages = a.Get("--messages", 100_000);
        var work = Path.GetFullPath(a.Get("--work", "/tmp/coserve-bench"));
        var dataDir = Path.Combine(work, $"wecom-archive-{messages}");
        BenchHost.DeleteStore(dataDir);
        try
        {
            await RunAsync(messages, dataDir);
        }
        finally
        {
            BenchHost.DeleteStore(dataDir);
        }
        return 0;
    }

    private static async Task RunAsync(int messages, string dataDir)
    {
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}; {CoreBench.Load()}");

        await using var sim = await WeComSimulator.StartAsync(new SimulatorOptions { StaffUsers = 0 });
        using var rsa = RSA.Create(2048);
        sim.Archive.UsePublicKey(1, rsa.ExportSubjectPublicKeyInfoPem());
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < messages; i++)
        {
            var manager = $"wx_cm{i % Managers:D4}";
            var client = $"wmBench{i * 7919 % Clients:D5}";
            if (i % 2 == 0) sim.Archive.Send(manager, [client], $"第{i}条消息：您好，请问今天的账户情况如何？");
            else sim.Archive.Send(client, [manager], $"第{i}条消息：收到，谢谢。");
        }
        Console.WriteLine($"simulator archive filled with {messages:N0} encrypted messages in {sw.Elapsed.TotalSeconds:F1} s");

        using var host = BenchHost.Build(dataDir, new Dictionary<string, string?>
        {
            ["Security:FieldProtection:EncryptionKey"] = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()),
            ["Security:FieldProtection:BlindIndexKey"] = Convert.ToBase64String(Enumerable.Range(101, 32).Select(i => (byte)i).ToArray()),
            ["WeCom:ApiBaseAddress"] = sim.BaseAddress.ToString(),
            ["WeCom:Apps:main:CorpId"] = sim.Options.CorpId,
            ["WeCom:Apps:main:Token"] = sim.Options.Token,
            ["WeCom:Apps:main:EncodingAesKey"] = sim.Options.EncodingAesKey,
            ["WeCom:Archive:Apps:main:Secret"] = sim.Options.ArchiveSecret,
            ["WeCom:Archive:Apps:main:PrivateKeys:1"] = rsa.ExportPkcs8PrivateKeyPem(),
        });
        await host.Services.GetRequiredService<CoServe.Platform.Storage.StoreMigrations>().EnsureReadyAsync(CancellationToken.None);
        await PopulateAsync(host.Services);

        var load = CoreBench.Load();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        sw.Restart();
        var pages = await host.Services.GetRequiredService<ArchivePuller>().PullAllAsync("main", int.MaxValue, CancellationToken.None);
        sw.Stop();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - cpu0;
        var records = pages.Sum(p => p.Records);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"pulled {records:N0} records in {pages.Count} pages: {sw.Elapsed.TotalSeconds:F1} s wall, {cpu:F1} CPU-s (this process, simulator included); "
            + $"{records / sw.Elapsed.TotalSeconds:F0} messages/s; written {pages.Sum(p => p.Written):N0}, without consent {pages.Sum(p => p.SkippedNoConsent):N0}, "
            + $"failed {pages.Sum(p => p.Failed)}; {load} -> {CoreBench.Load()}"));
    }

    private static async Task PopulateAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CoServeDb>();
        var branch = new Branch("B01", "第1营业部", "95500");
        db.Branches.Add(branch);
        await db.SaveChangesAsync();
        for (var m = 0; m < Managers; m++) db.Staff.Add(new StaffMember($"cm{m:D4}", $"客户经理{m}", StaffRole.ClientManager, branch.Id, $"wx_cm{m:D4}"));
        await db.SaveChangesAsync();
        var now = DateTimeOffset.UnixEpoch.AddYears(56);
        for (var c = 0; c < Clients; c++)
        {
            var client = new Client($"A{c:D6}", now) { BranchId = branch.Id, WeComExternalUserId = $"wmBench{c:D5}" };
            client.MarkComplete();
            client.SetConsent(ConsentPurpose.ConversationArchive, c % 10 != 0, "bench", now);
            db.Clients.Add(client);
        }
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();
        Console.WriteLine($"store: {Managers} managers, {await db.Clients.CountAsync()} linked clients (90% consented)");
    }
}
