using System.Globalization;
using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Platform.Csv;
using CoServe.Platform.Time;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Duties.Complaints;

public sealed record ComplaintImportReport(long RowsRead, int Registered, int AlreadyRegistered, long RowsRejected, string? RejectsFile);

/// <summary>
/// Imports complaints the regulator's 12386 platform forwarded (CSV). Strict like the asset feed: any bad line
/// rejects the whole file with line and column reasons, unless bad rows are skipped into FILE.rejects.csv.
/// Idempotent by the 12386 case number: a complaint already in the register is counted, never registered twice.
/// </summary>
public sealed partial class ImportRegulatorComplaints(CoServeDb db, ComplaintWorkflow workflow, DutyPeople people, TimeProvider clock, ILogger<ImportRegulatorComplaints> logger)
{
    public static readonly CsvColumn[] Columns =
    [
        new("source_id", true, "投诉编号", "12386编号", "工单号"),
        new("client_no", true, "客户号", "资金账号"),
        new("received_at", true, "接收时间", "转办时间", "投诉日期"),
        new("content", true, "投诉内容", "诉求"),
        new("category", false, "投诉类别", "类别"),
    ];

    private sealed record Row(long Line, string SourceId, string ClientNo, DateTimeOffset ReceivedAt, string Content, string? Category);

    public async Task<ComplaintImportReport> RunAsync(Stream input, string fileName, DutyImportSettings settings, CancellationToken ct)
    {
        var problems = new ImportProblems();
        RejectsFile? rejects = null;
        var rows = new List<Row>();
        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        var clients = new Dictionary<string, long?>(StringComparer.Ordinal);
        var now = clock.GetUtcNow();
        long read = 0;
        try
        {
            using var reader = new CsvLineReader(input, settings.Encoding, 64 * 1024);
            if (!reader.Read()) throw new ImportRejectedException(reader.FileError is { } fe ? $"{fileName}: {fe}" : $"{fileName}: file is empty (a header row is required)", []);
            if (reader.Error is not null) throw new ImportRejectedException($"{fileName}: line {reader.LineNumber}: header row cannot be read: {reader.Error}", []);
            var header = CsvHeader.Parse(reader, Columns, out var headerErrors);
            if (headerErrors.Count > 0)
            {
                throw new ImportRejectedException($"{fileName}: header (line {reader.LineNumber}) is not usable:\n  " + string.Join("\n  ", headerErrors),
                    headerErrors.Select(e => new LineProblem(reader.LineNumber, null, e)).ToList());
            }
            if (settings.SkipBadRows) rejects = new RejectsFile(settings.RejectsPath ?? fileName + ".rejects.csv");
            int iSource = header.IndexOf("source_id"), iClient = header.IndexOf("client_no"), iAt = header.IndexOf("received_at"), iContent = header.IndexOf("content"), iCategory = header.IndexOf("category");
            while (reader.Read())
            {
                ct.ThrowIfCancellationRequested();
                read++;
                var problem = await ParseAsync(reader, header.FieldCount, iSource, iClient, iAt, iContent, iCategory, seen, clients, now, rows, ct);
                if (problem is null) continue;
                problems.Add(problem);
                rejects?.Write(problem, reader.RawLine());
            }
            if (reader.FileError is { } fileError) throw new ImportRejectedException($"{fileName}: {fileError}", []);
        }
        finally
        {
            rejects?.Dispose();
        }
        if (read == 0) throw new ImportRejectedException($"{fileName}: the file has a header but no data rows", []);
        if (problems.Any && !settings.SkipBadRows) throw new ImportRejectedException(problems.Describe(fileName), problems.Listed);

        var ids = rows.Select(r => r.SourceId).ToList();
        var existing = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ids.Count; i += 500)
        {
            var batch = ids.Skip(i).Take(500).ToList();
            existing.UnionWith(await db.Set<Complaint>().Where(c => c.Source == ComplaintSource.Regulator12386 && batch.Contains(c.SourceRef!)).Select(c => c.SourceRef!).ToListAsync(ct));
        }
        var added = new List<Complaint>();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        foreach (var r in rows.Where(r => !existing.Contains(r.SourceId)))
        {
            var clientId = clients[r.ClientNo]!.Value;
            var owner = await people.OwnerAsync(clientId, DutyScope.Complaint, ct)
                ?? throw new InvalidOperationException("nobody can own imported complaints: add a branch head or an administrator");
            added.Add(workflow.Create(clientId, ComplaintSource.Regulator12386, r.SourceId, owner, null, r.ReceivedAt, r.Content, r.Category));
        }
        await db.SaveChangesAsync(ct);
        foreach (var c in added) await workflow.AnnounceAsync(c, null, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        await workflow.PublishAsync(added.Select(c => c.ClientId), ct);
        LogImported(logger, added.Count, existing.Count, problems.Count);
        return new ComplaintImportReport(read, added.Count, existing.Count, problems.Count, rejects?.Path);
    }

    private async Task<LineProblem?> ParseAsync(CsvLineReader r, int fieldCount, int iSource, int iClient, int iAt, int iContent, int iCategory,
        Dictionary<string, long> seen, Dictionary<string, long?> clients, DateTimeOffset now, List<Row> rows, CancellationToken ct)
    {
        var line = r.LineNumber;
        if (r.Error is not null) return new LineProblem(line, null, r.Error);
        if (r.FieldCount != fieldCount) return new LineProblem(line, null, $"expected {fieldCount} fields, found {r.FieldCount}");
        var source = r[iSource].Trim().ToString();
        if (source.Length is 0 or > 64) return new LineProblem(line, "source_id", source.Length == 0 ? "source_id is blank" : "source_id is longer than 64 characters");
        if (seen.TryGetValue(source, out var first)) return new LineProblem(line, "source_id", $"'{source}' repeats line {first}");
        var no = r[iClient].Trim();
        if (!ClientNumber.IsValid(no, out var noError)) return new LineProblem(line, "client_no", noError!);
        var clientNo = no.ToString().ToUpperInvariant();
        if (!clients.TryGetValue(clientNo, out var clientId))
        {
            clientId = await db.Clients.AsNoTracking().Where(c => c.ClientNo == clientNo).Select(c => (long?)c.Id).SingleOrDefaultAsync(ct);
            clients[clientNo] = clientId;
        }
        if (clientId is null) return new LineProblem(line, "client_no", "no such client in the client book");
        var atText = r[iAt].Trim().ToString();
        if (!TryParseInstant(atText, out var at)) return new LineProblem(line, "received_at", atText.Length == 0 ? "received_at is blank" : $"'{atText}' is not a time (yyyy-MM-dd or yyyy-MM-dd HH:mm[:ss], Shanghai time)");
        if (at > now) return new LineProblem(line, "received_at", "received_at is in the future");
        var content = r[iContent].Trim().ToString();
        if (content.Length is 0 or > ComplaintWorkflow.MaxSummaryLength) return new LineProblem(line, "content", content.Length == 0 ? "content is blank" : $"content is longer than {ComplaintWorkflow.MaxSummaryLength} characters");
        var category = iCategory >= 0 ? r[iCategory].Trim().ToString() : "";
        if (category.Length > 32) return new LineProblem(line, "category", "category is longer than 32 characters");
        seen[source] = line;
        rows.Add(new Row(line, source, clientNo, at, content, category.Length == 0 ? null : category));
        return null;
    }

    /// <summary>Shanghai local date or date and time.</summary>
    public static bool TryParseInstant(string text, out DateTimeOffset instant)
    {
        instant = default;
        if (DateTime.TryParseExact(text, ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-ddTHH:mm:ss", "yyyy/MM/dd HH:mm:ss", "yyyy/MM/dd HH:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            instant = BusinessTime.ToInstant(DateOnly.FromDateTime(local), TimeOnly.FromDateTime(local));
            return true;
        }
        if (DateOnly.TryParseExact(text, ["yyyy-MM-dd", "yyyyMMdd", "yyyy/MM/dd"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            instant = BusinessTime.ToInstant(day, new TimeOnly(9, 0));
            return true;
        }
        return false;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "12386 complaints imported: {Registered} registered, {Existing} already registered, {Rejected} rejected")]
    private static partial void LogImported(ILogger logger, int registered, int existing, long rejected);
}
