namespace CoServe.Tests.Cli;

/// <summary>Staff accounts from the command line: the first accounts of a new installation, and someone leaving.</summary>
public sealed class StaffCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("coserve-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => CliProcess.RunAsync(_dir, args);

    [Fact]
    public async Task Deactivate_StopsTheAccount_ReportsWhatIsLeft_AndRefusesTheLastAdministrator()
    {
        Assert.Equal(0, (await RunAsync("staff", "add", "--login", "boss", "--name", "管理员", "--role", "Admin")).Code);
        Assert.Equal(0, (await RunAsync("staff", "add", "--login", "ops9", "--name", "数智部", "--role", "DigitalOps")).Code);

        var off = await RunAsync("staff", "deactivate", "--login", "OPS9");
        Assert.Equal(0, off.Code);
        Assert.Contains("staff ops9 deactivated", off.Out, StringComparison.Ordinal);
        Assert.Contains("open handoffs routed to a colleague: 0; waiting in the team's queue: 0", off.Out, StringComparison.Ordinal);
        Assert.Contains("ops9\tDigitalOps\t-\tinactive", (await RunAsync("staff", "list")).Out, StringComparison.Ordinal);
        Assert.Contains("was already inactive", (await RunAsync("staff", "deactivate", "--login", "ops9")).Out, StringComparison.Ordinal);

        var last = await RunAsync("staff", "deactivate", "--login", "boss");
        Assert.Equal(1, last.Code);
        Assert.Contains("'boss' is the last active administrator", last.Err, StringComparison.Ordinal);
        var unknown = await RunAsync("staff", "deactivate", "--login", "nobody");
        Assert.Equal((1, true), (unknown.Code, unknown.Err.Contains("no staff account with login 'nobody'", StringComparison.Ordinal)));

        Assert.Equal(0, (await RunAsync("staff", "activate", "--login", "ops9")).Code);
        Assert.Contains("ops9\tDigitalOps\t-\tactive", (await RunAsync("staff", "list")).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Change_MovesAnAccountToAnotherRoleAndBranch_KeepingWhatIsNotGiven()
    {
        Assert.Equal(0, (await RunAsync("branches", "add", "--code", "N01", "--name", "北区营业部")).Code);
        Assert.Equal(0, (await RunAsync("staff", "add", "--login", "ops9", "--name", "数智部", "--role", "DigitalOps", "--wecom-userid", "wx_ops9")).Code);

        var moved = await RunAsync("staff", "change", "--login", "ops9", "--role", "ClientManager", "--branch", "N01");
        Assert.Equal(0, moved.Code);
        Assert.Contains("staff ops9 is now ClientManager at N01", moved.Out, StringComparison.Ordinal);
        Assert.Contains("ops9\tClientManager\tN01\tactive", (await RunAsync("staff", "list")).Out, StringComparison.Ordinal);

        var noBranch = await RunAsync("staff", "change", "--login", "ops9", "--branch", "-");
        Assert.Equal(1, noBranch.Code);
        Assert.Contains("a ClientManager belongs to a branch", noBranch.Err, StringComparison.Ordinal);
        Assert.Equal(0, (await RunAsync("staff", "change", "--login", "ops9", "--role", "Advisor", "--branch", "-")).Code);
        Assert.Contains("ops9\tAdvisor\t-\tactive", (await RunAsync("staff", "list")).Out, StringComparison.Ordinal);
    }
}
