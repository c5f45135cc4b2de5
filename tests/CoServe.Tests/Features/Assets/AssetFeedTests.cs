using System.Globalization;
using System.Text;
using CoServe.Features.Assets;
using CoServe.Platform.Csv;
using CoServe.Platform.Time;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Tests.Features.Assets;

/// <summary>Asset feed import and month close against real SQLite and PostgreSQL.</summary>
public class AssetFeedTests
{
    private static readonly AssetImportSettings Strict = new(StrictEncodings.Utf8, SkipBadRows: false);

    private static Task<AssetImportReport> ImportAsync(CoreHarness h, string csv, AssetImportSettings? settings = null) =>
        h.RunAsync<ImportAssetFeed, AssetImportReport>(i => i.RunAsync(Files.Utf8(csv), "feed.csv", settings ?? Strict, CancellationToken.None));

    private static async Task<string> SegmentAsync(CoreHarness h, string month, MadaMode? mode = null)
    {
        var output = new StringWriter { NewLine = "\n" };
        await h.RunAsync<SegmentMonth, SegmentResult>(s => s.RunAsync(CalendarMonth.Parse(month), mode, output, CancellationToken.None));
        return output.ToString();
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Segment_EdgeCases_MatchTheRuleExactly(StoreKind kind)
    {
        await using var h = await CoreHarness.StartAsync(kind);
        await ImportAsync(h, """
            client_no,date,total_assets
            A2,2024-01-31,100.00
            A2,2024-02-29,300.00
            A2,2024-02-29,200.50
            A10,2024-02-15,580000.00
            b1,2023-12-20,1000000
            Z9,2024-03-01,5
            """);

        var output = await SegmentAsync(h, "2024-02");

        // A2: leap February, January carried in, duplicate row (last wins): (28 x 100 + 200.50) / 29 = 103.4655.
        // A10: opens mid-month: 15 days x 580,000 / 29 = 300,000.00. B1: carried from December.
        // Z9: first snapshot after the month: not included. Ordinal order: A10 < A2 < B1.
        Assert.Equal("""
            client_no,month,mada,tier
            A10,2024-02,300000.00,Base
            A2,2024-02,103.47,Base
            B1,2024-02,1000000.00,HighEnd

            """.Replace("\r\n", "\n", StringComparison.Ordinal), output);
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Segment_HalfCentAtThreshold_AndTradingMode(StoreKind kind)
    {
        await using var h = await CoreHarness.StartAsync(kind);
        var csv = new StringBuilder("client_no,date,total_assets\n");
        csv.Append("UP,2024-04-01,500000.00\nUP,20240430,499999.85\n");
        csv.Append("DOWN,2024-04-01,500000.00\nDOWN,2024-04-30,499999.84\n");
        await ImportAsync(h, csv.ToString());

        Assert.Equal("client_no,month,mada,tier\nDOWN,2024-04,499999.99,Base\nUP,2024-04,500000.00,HighEnd\n", await SegmentAsync(h, "2024-04"));

        // Trading mode: the store has two April dates, so each client's MADA is the mean of its two values.
        Assert.Equal("client_no,month,mada,tier\nDOWN,2024-04,499999.92,Base\nUP,2024-04,499999.93,Base\n", await SegmentAsync(h, "2024-04", MadaMode.Trading));
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Import_SameFileTwice_ChangesNothing_LaterFileReplacesValues(StoreKind kind)
    {
        await using var h = await CoreHarness.StartAsync(kind);
        const string feed = "客户号,日期,资金余额,证券市值\nC1,2024-02-01,100.00,50.00\nC1,2024-02-02,100.00,60.00\n";
        var first = await ImportAsync(h, feed);
        var output = await SegmentAsync(h, "2024-02");
        var second = await ImportAsync(h, feed);

        Assert.Equal(1, first.NewPlaceholderClients);
        Assert.Equal(0, second.NewPlaceholderClients);
        Assert.Equal(0, second.ValuesReplaced);
        Assert.Equal(output, await SegmentAsync(h, "2024-02"));

        var third = await ImportAsync(h, "client_no,date,total_assets\nC1,2024-02-02,999.00\n");
        Assert.Equal(1, third.ValuesReplaced);
        await using var db = h.NewDb();
        var row = await db.AssetMonths.SingleAsync();
        var series = DailyAssetSeries.Decode(row.DayMask, row.Values);
        Assert.Equal(15_000, series.Get(1).TotalFen);
        Assert.Equal(5_000, series.Get(1).SecuritiesFen);
        Assert.Equal(99_900, series.Get(2).TotalFen);
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Import_OneBadRow_RejectsWholeFile_StoreUnchanged(StoreKind kind)
    {
        await using var h = await CoreHarness.StartAsync(kind);
        await ImportAsync(h, "client_no,date,total_assets\nC1,2024-02-01,100\n");

        var ex = await Assert.ThrowsAsync<ImportRejectedException>(() => ImportAsync(h, """
            client_no,date,total_assets
            NEW1,2024-02-02,100
            C1,2024-02-30,5
            C1,2024-02-03,"1,234.50"
            ,2024-02-03,1
            C1,2024-02-03,1e309
            C1,2024-02-03,--
            C1,2024-02-03
            """));

        Assert.Equal(6, ex.Problems.Count);
        Assert.Equal([3L, 4, 5, 6, 7, 8], ex.Problems.Select(p => p.Line));
        Assert.Equal("date", ex.Problems[0].Column);
        Assert.Contains("2024-02-30", ex.Problems[0].Reason, StringComparison.Ordinal);
        Assert.Contains("thousands separator", ex.Problems[1].Reason, StringComparison.Ordinal);
        Assert.Equal("client_no", ex.Problems[2].Column);
        Assert.Contains("exponent", ex.Problems[3].Reason, StringComparison.Ordinal);
        Assert.Contains("not a number", ex.Problems[4].Reason, StringComparison.Ordinal);
        Assert.Contains("expected 3 fields, found 2", ex.Problems[5].Reason, StringComparison.Ordinal);
        Assert.Contains("line 3, column date", ex.Message, StringComparison.Ordinal);

        await using var db = h.NewDb();
        Assert.Equal(["C1"], await db.Clients.Select(c => c.ClientNo).ToListAsync());
        var row = await db.AssetMonths.SingleAsync();
        Assert.Equal(1, row.DayMask);
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Import_SkipBadRows_ImportsGoodRows_WritesRejectsWithReasons(StoreKind kind)
    {
        await using var h = await CoreHarness.StartAsync(kind);
        var rejects = Path.Combine(h.Store.Directory, "feed.csv.rejects.csv");
        var report = await ImportAsync(h, "client_no,date,total_assets\nC1,2024-02-01,100\nC2,2024-13-01,5\nC3,2024-02-01,NaN\n",
            new AssetImportSettings(StrictEncodings.Utf8, SkipBadRows: true, rejects));

        Assert.Equal(1, report.RowsImported);
        Assert.Equal(2, report.RowsRejected);
        var lines = await File.ReadAllLinesAsync(rejects);
        Assert.Equal("line,column,reason,raw", lines[0]);
        Assert.StartsWith("3,date,", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("4,total_assets,", lines[2], StringComparison.Ordinal);
        Assert.EndsWith("\"C3,2024-02-01,NaN\"", lines[2], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "file is empty")]
    [InlineData("client_no,date,total_assets\n", "no data rows")]
    [InlineData("client_no,total_assets\nC1,5\n", "required column 'date'")]
    [InlineData("client_no,date\nC1,2024-01-01\n", "total_assets")]
    [InlineData("client_no,date,total_assets,客户号\nC1,2024-01-01,1,C1\n", "repeats column 1")]
    public async Task Import_UnusableFile_IsRejectedWithReason(string csv, string reason)
    {
        await using var h = await CoreHarness.StartAsync(StoreKind.Sqlite);
        var ex = await Assert.ThrowsAsync<ImportRejectedException>(() => ImportAsync(h, csv));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_GbkBytesReadAsUtf8_IsRejectedWithEncodingHint_AndGbkFlagReadsThem()
    {
        await using var h = await CoreHarness.StartAsync(StoreKind.Sqlite);
        var bytes = StrictEncodings.Gbk.GetBytes("客户号,日期,总资产\nC1,2024-02-01,100\n");
        var ex = await Assert.ThrowsAsync<ImportRejectedException>(() =>
            h.RunAsync<ImportAssetFeed, AssetImportReport>(i => i.RunAsync(new MemoryStream(bytes), "gbk.csv", Strict, CancellationToken.None)));
        Assert.Contains("--encoding gbk", ex.Message, StringComparison.Ordinal);

        var report = await h.RunAsync<ImportAssetFeed, AssetImportReport>(i =>
            i.RunAsync(new MemoryStream(bytes), "gbk.csv", new AssetImportSettings(StrictEncodings.Gbk, false), CancellationToken.None));
        Assert.Equal(1, report.RowsImported);
    }

    [Fact]
    public async Task Import_StreamFailsHalfway_NothingIsWritten()
    {
        await using var h = await CoreHarness.StartAsync(StoreKind.Sqlite);
        var good = Encoding.UTF8.GetBytes("client_no,date,total_assets\n" + string.Concat(Enumerable.Range(0, 5000).Select(i => $"C{i},2024-02-01,{i}\n")));
        await Assert.ThrowsAsync<IOException>(() =>
            h.RunAsync<ImportAssetFeed, AssetImportReport>(i => i.RunAsync(new FailingStream(good, failAfter: good.Length / 2), "f.csv", Strict, CancellationToken.None)));
        await using var db = h.NewDb();
        Assert.Equal(0, await db.Clients.CountAsync());
        Assert.Equal(0, await db.AssetMonths.CountAsync());
    }

    [Fact]
    public async Task Import_LargeFeedSpillingToDisk_GivesSameResultAsInMemory()
    {
        await using var h = await CoreHarness.StartAsync(StoreKind.Sqlite, c => c["Assets:ImportMemoryBudgetBytes"] = "16384");
        var csv = new StringBuilder("client_no,date,total_assets\n");
        for (var d = 1; d <= 29; d++)
        {
            for (var c = 0; c < 300; c++) csv.Append(CultureInfo.InvariantCulture, $"K{c:D4},2024-02-{d:D2},{(c * 1000) + d}.{d % 100:D2}\n");
        }
        var report = await ImportAsync(h, csv.ToString());
        Assert.Equal(300 * 29, report.RowsImported);
        Assert.True(report.SpilledToDisk);
        var output = await SegmentAsync(h, "2024-02");
        // K0001: values 1001.01 .. 1029.29 over 29 days.
        var expected = Enumerable.Range(1, 29).Sum(d => (1000 + d) * 100 + (d % 100)) / 29m / 100m;
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"K0001,2024-02,{decimal.Round(expected, 2, MidpointRounding.AwayFromZero):0.00},Base"), output, StringComparison.Ordinal);
        Assert.Equal(301, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [SkippableTheory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Money_IsFilteredAndSortedExactlyInTheStore(StoreKind kind)
    {
        await using var h = await CoreHarness.StartAsync(kind);
        await ImportAsync(h, "client_no,date,total_assets\nX1,2024-04-01,500000.01\nX2,2024-04-01,499999.99\nX3,2024-04-01,500000.00\nX4,2024-04-01,0.10\n");
        await SegmentAsync(h, "2024-04");
        await using var db = h.NewDb();
        var atOrAbove = await db.MonthlySegments.Where(s => s.Mada >= 500_000.00m).OrderBy(s => s.Mada).Select(s => s.Mada).ToListAsync();
        Assert.Equal([500_000.00m, 500_000.01m], atOrAbove);
        var total = await db.MonthlySegments.SumAsync(s => s.Mada);
        Assert.Equal(1_500_000.10m, total);
    }

    [Fact]
    public async Task Segment_MonthWithoutData_IsAClearError()
    {
        await using var h = await CoreHarness.StartAsync(StoreKind.Sqlite);
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => SegmentAsync(h, "2024-02"));
        Assert.Contains("no asset snapshots", ex.Message, StringComparison.Ordinal);
    }

    private sealed class FailingStream(byte[] data, int failAfter) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (Position >= failAfter) throw new IOException("disk went away");
            return base.Read(buffer, offset, Math.Min(count, failAfter - (int)Position));
        }
    }
}
