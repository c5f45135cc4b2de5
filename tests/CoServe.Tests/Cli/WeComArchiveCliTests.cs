using System.Security.Cryptography;
using CoServe.Features.Channels.WeCom.Simulator;

namespace CoServe.Tests.Cli;

/// <summary>
/// The archive commands as an operator runs them: the real CLI in a child process over an embedded store, reading the
/// WeCom simulator's archive over loopback HTTP, configured through environment variables as in production.
/// </summary>
public sealed class WeComArchiveCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("coserve-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task LostRecordsAlertUntilAcknowledged_AndRetryReadsQuarantinedRecordsWithANewKey()
    {
        using var key1 = RSA.Create(2048);
        using var key2 = RSA.Create(2048);
        await using var sim = await WeComSimulator.StartAsync(new SimulatorOptions { StaffUsers = 0 });
        sim.Archive.UsePublicKey(1, key1.ExportSubjectPublicKeyInfoPem());
        var env = new Dictionary<string, string>
        {
            ["WeCom__ApiBaseAddress"] = sim.BaseAddress.ToString(),
            ["WeCom__Apps__main__CorpId"] = sim.Options.CorpId,
            ["WeCom__Apps__main__Token"] = sim.Options.Token,
            ["WeCom__Apps__main__EncodingAesKey"] = sim.Options.EncodingAesKey,
            ["WeCom__Archive__Apps__main__Secret"] = sim.Options.ArchiveSecret,
            ["WeCom__Archive__Apps__main__PrivateKeys__1"] = key1.ExportPkcs8PrivateKeyPem(),
        };

        sim.Archive.Send("wx_cm1", ["wmA"], "第一条");
        Assert.Equal(0, (await RunAsync(env, "wecom", "archive", "pull")).Code);
        sim.Archive.SkipSeqs(3);
        sim.Archive.UsePublicKey(2, key2.ExportSubjectPublicKeyInfoPem());
        sim.Archive.Send("wx_cm1", ["wmA"], "新密钥");

        // Seqs 2-4 are lost and the record of key 2 is quarantined: the pull says so and exits 3 for the cron job.
        var pulled = await RunAsync(env, "wecom", "archive", "pull");
        Assert.Equal(3, pulled.Code);
        Assert.Contains("failed 1", pulled.Out, StringComparison.Ordinal);
        Assert.Contains("quarantined 1", pulled.Out, StringComparison.Ordinal);
        Assert.Contains("lost records: 1 gap(s), 3 seq(s) known missing", pulled.Err, StringComparison.Ordinal);
        var gaps = await RunAsync(env, "wecom", "archive", "gaps");
        Assert.Equal((3, true), (gaps.Code, gaps.Out.Contains("lost: main 3 record(s) between seq 1 and 5", StringComparison.Ordinal)));
        var acked = await RunAsync(env, "wecom", "archive", "gaps", "--ack", "--by", "ops1");
        Assert.Equal((0, true), (acked.Code, acked.Out.Contains("acknowledged 1 gap(s)", StringComparison.Ordinal)));
        Assert.Equal(0, (await RunAsync(env, "wecom", "archive", "status")).Code);

        // Without key 2 a retry still fails (exit 4); with it installed the record reads.
        Assert.Equal(4, (await RunAsync(env, "wecom", "archive", "retry")).Code);
        env["WeCom__Archive__Apps__main__PrivateKeys__2"] = key2.ExportPkcs8PrivateKeyPem();
        var retried = await RunAsync(env, "wecom", "archive", "retry");
        Assert.Equal(0, retried.Code);
        Assert.Contains("retried 1 quarantined record(s); written 0, without consent 0, not a client chat 1, ignored 0, still unreadable 0", retried.Out, StringComparison.Ordinal);
        Assert.Contains("quarantined 0", (await RunAsync(env, "wecom", "archive", "status")).Out, StringComparison.Ordinal);
    }

    private Task<(int Code, string Out, string Err)> RunAsync(Dictionary<string, string> env, params string[] args) => CliProcess.RunAsync(_dir, env, withStore: true, args);
}
