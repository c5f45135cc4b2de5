using CoServe.Features.ServiceOfficer.Intents;
using CoServe.Tests.ServiceOfficer;

namespace CoServe.Tests.Cli;

/// <summary>The CLI's --seed-dir reaches the intent rules too: advice.named-security takes that folder's security names.</summary>
public sealed class NluSeedDirCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("coserve-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Classify_WithSeedDir_UsesItsSecurityNames_MissingFileIsAClearError()
    {
        var seed = Directory.CreateDirectory(Path.Combine(_dir, "seed")).FullName;
        foreach (var f in Directory.GetFiles(OfficerFixtures.Directory)) File.Copy(f, Path.Combine(seed, Path.GetFileName(f)));
        File.WriteAllText(Path.Combine(seed, SecurityNames.FileName), "# our names\n测试股份\n");
        var input = Path.Combine(_dir, "in.txt");
        File.WriteAllText(input, "测试股份能不能买\n");

        var ok = await RunAsync("nlu", "classify", "--seed-dir", seed, "--in", input);
        Assert.True(ok.Code == 0, ok.Err);
        Assert.Contains(ShippedIntentRules.NamedSecurityRuleId, ok.Out, StringComparison.Ordinal);
        Assert.Contains("\"handoff\":\"AdviceRequest\"", ok.Out, StringComparison.Ordinal);

        File.Delete(Path.Combine(seed, SecurityNames.FileName));
        var missing = await RunAsync("nlu", "classify", "--seed-dir", seed, "--in", input);
        Assert.NotEqual(0, missing.Code);
        Assert.Contains(Path.Combine(seed, SecurityNames.FileName) + " is missing", missing.Err, StringComparison.Ordinal);
    }

    private Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => CliProcess.RunAsync(_dir, null, withStore: false, args);
}
