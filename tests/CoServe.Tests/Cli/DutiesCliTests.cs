using System.Text;

namespace CoServe.Tests.Cli;

/// <summary>The duty commands as an operator runs them: the real CLI in a child process over an embedded store.</summary>
public sealed class DutiesCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("coserve-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task AmlAndComplaintImports_ReportWhatTheyDid_RejectBadFilesWithLineAndColumn_AndAreIdempotent()
    {
        // The asset feed brings the clients in (as placeholders), as a first month-end would.
        var assets = Write("assets.csv", "client_no,date,total_assets\nP400,2026-11-20,120000.00\nS300,2026-11-20,80000.00\n");
        Assert.Equal(0, (await RunAsync("assets", "import", assets)).Code);

        // P400: cash at the 50,000 threshold; S300: two cash deposits just below it (a cumulative report item and a
        // structuring case).
        var feed = Write("txn.csv",
            "txn_id,client_no,time,direction,amount,channel,cross_border,party_type,counterparty\n"
            + "T01,P400,2026-11-24 09:31:00,in,50000.00,cash,N,natural,\n"
            + "T04,S300,2026-11-24 11:00:00,in,48000.00,cash,N,natural,\n"
            + "T05,S300,2026-11-24 14:00:00,in,47000.00,cash,N,natural,\n");
        var first = await RunAsync("aml", "import", feed);
        Assert.Equal(0, first.Code);
        Assert.Contains("rows read: 3; transactions: 3; rejected: 0", first.Out, StringComparison.Ordinal);
        Assert.Contains("report items: 2 new, 0 updated; cases for Compliance: 1 new", first.Out, StringComparison.Ordinal);
        var again = await RunAsync("aml", "import", feed);
        Assert.Contains("report items: 0 new, 0 updated; cases for Compliance: 0 new", again.Out, StringComparison.Ordinal);

        var bad = Write("bad.csv", "txn_id,client_no,time,direction,amount,channel\nX1,P400,2026-11-24 09:00:00,sideways,10.00,cash\n");
        var rejected = await RunAsync("aml", "import", bad);
        Assert.Equal(1, rejected.Code);
        Assert.Contains("line 2, column direction", rejected.Err, StringComparison.Ordinal);

        // Regulator complaints need an owner: with no manager on the client, the branch head or an administrator.
        var refused = await RunAsync("complaints", "import", Write("early.csv", "投诉编号,客户号,接收时间,投诉内容\n12386-0000,P400,2026-11-24,x\n"));
        Assert.Equal((1, "error: nobody can own imported complaints: add a branch head or an administrator"), (refused.Code, refused.Err.Trim()));
        Assert.Equal(0, (await RunAsync("staff", "add", "--login", "admin1", "--name", "管理员", "--role", "Admin")).Code);
        var complaints = Write("12386.csv", "投诉编号,客户号,接收时间,投诉内容\n12386-0001,P400,2026-11-24 09:30,对佣金收取有异议\n");
        Assert.Contains("registered: 1; already registered: 0", (await RunAsync("complaints", "import", complaints)).Out, StringComparison.Ordinal);
        Assert.Contains("registered: 0; already registered: 1", (await RunAsync("complaints", "import", complaints)).Out, StringComparison.Ordinal);

        var missing = await RunAsync("complaints", "import", Path.Combine(_dir, "nope.csv"));
        Assert.NotEqual(0, missing.Code);
        Assert.Contains("nope.csv", missing.Err, StringComparison.Ordinal);
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content, new UTF8Encoding(false));
        return path;
    }

    private Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => CliProcess.RunAsync(_dir, args);
}
