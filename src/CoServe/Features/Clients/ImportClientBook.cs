using System.Diagnostics;
using CoServe.Data;
using CoServe.Features.Assets;
using CoServe.Features.Organization;
using CoServe.Platform.Crypto;
using CoServe.Platform.Csv;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Clients;

public sealed record ClientImportReport(
    long RowsRead,
    int Created,
    int Updated,
    int PlaceholdersCompleted,
    long RowsRejected,
    string? RejectsFile,
    IReadOnlyList<string> IgnoredColumns,
    TimeSpan Elapsed);

/// <summary>
/// Upserts the client book from CSV (UTF-8 or GBK), columns by name with Chinese aliases. A blank cell
/// leaves the stored value unchanged; a new client needs name and branch. Servicing is set only for new
/// clients (and completed placeholders): later changes of servicer go through transfers. Strict like the
/// asset feed: one bad row rejects the file unless bad rows are skipped.
/// </summary>
public sealed partial class ImportClientBook(
    IDbContextFactory<CoServeDb> dbFactory,
    FieldProtector protector,
    IOptions<AssetsOptions> assetOptions,
    TimeProvider clock,
    ILogger<ImportClientBook> logger)
{
    private static readonly CsvColumn[] Columns =
    [
        new("client_no", true, "客户号", "客户编号", "资金账号"),
        new("name", false, "姓名", "客户姓名"),
        new("mobile", false, "手机号", "手机", "手机号码"),
        new("id_number", false, "证件号码", "身份证号", "证件号"),
        new("branch", false, "营业部", "营业部代码"),
        new("manager", false, "客户经理", "开发人员"),
        new("servicer", false, "服务人员", "主服务人"),
        new("opened_on", false, "开户日期"),
        new("wecom_external_userid", false, "企业微信外部联系人", "外部联系人ID"),
        new("suitability", false, "风险等级", "适当性等级"),
        new("assessed_on", false, "测评日期"),
        new("professional", false, "专业投资者"),
        new("aml_risk", false, "反洗钱风险等级"),
        new("consents", false, "授权"),
    ];

    private sealed record Row(
        long Line,
        string ClientNo,
        string? Name,
        string? Mobile,
        string? IdNumber,
        int? BranchId,
        int? ManagerId,
        (bool Set, int? StaffId) Servicer,
        DateOnly? OpenedOn,
        string? WeComId,
        SuitabilityLevel? Suitability,
        DateOnly? AssessedOn,
        bool? Professional,
        AmlRiskLevel? Aml,
        IReadOnlyList<ConsentPurpose>? Consents);

    public async Task<ClientImportReport> RunAsync(Stream input, string fileName, AssetImportSettings settings, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var branches = await db.Branches.AsNoTracking().ToListAsync(ct);
        var staff = await db.Staff.AsNoTracking().ToListAsync(ct);
        var branchByKey = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var b in branches)
        {
            branchByKey[b.Code] = b.Id;
            branchByKey.TryAdd(b.Name, b.Id);
        }
        var staffByLogin = staff.ToDictionary(s => s.Login, StringComparer.OrdinalIgnoreCase);

        var problems = new ImportProblems();
        var rows = new Dictionary<string, Row>(StringComparer.Ordinal);
        RejectsFile? rejects = null;
        long read = 0;
        IReadOnlyList<string> ignored;
        try
        {
            using var reader = new CsvLineReader(input, settings.Encoding, assetOptions.Value.MaxLineBytes);
            if (!reader.Read())
            {
                throw new ImportRejectedException(reader.FileError is { } fe ? $"{fileName}: {fe}" : $"{fileName}: file is empty (a header row is required)", []);
            }
            if (reader.Error is not null) throw new ImportRejectedException($"{fileName}: line {reader.LineNumber}: header row cannot be read: {reader.Error}", []);
            var header = CsvHeader.Parse(reader, Columns, out var headerErrors);
            if (headerErrors.Count > 0)
            {
                throw new ImportRejectedException($"{fileName}: header (line {reader.LineNumber}) is not usable:\n  " + string.Join("\n  ", headerErrors),
                    headerErrors.Select(e => new LineProblem(reader.LineNumber, null, e)).ToList());
            }
            ignored = header.IgnoredColumns;
            if (settings.SkipBadRows) rejects = new RejectsFile(settings.RejectsPath ?? fileName + ".rejects.csv");
            var today = Platform.Time.BusinessTime.Today(clock);
            while (reader.Read())
            {
                ct.ThrowIfCancellationRequested();
                read++;
                var row = Parse(reader, header, branchByKey, staffByLogin, today, out var problem);
                if (row is null)
                {
                    problems.Add(problem!);
                    rejects?.Write(problem!, reader.RawLine());
                    continue;
                }
                rows[row.ClientNo] = row;
            }
            if (reader.FileError is { } fileError) throw new ImportRejectedException($"{fileName}: {fileError}", []);
        }
        finally
        {
            rejects?.Dispose();
        }
        if (read == 0) throw new ImportRejectedException($"{fileName}: the file has a header but no data rows", []);

        // Rules that need the store: a new client (or a placeholder being completed) needs a name and a branch.
        var existing = new Dictionary<string, (bool IsIncomplete, bool HasName, bool HasBranch)>(StringComparer.Ordinal);
        foreach (var chunk in rows.Keys.Chunk(500))
        {
            var found = await db.Clients.AsNoTracking().Where(c => chunk.Contains(c.ClientNo))
                .Select(c => new { c.ClientNo, c.IsIncomplete, HasName = c.NameCipher != null, HasBranch = c.BranchId != null })
                .ToListAsync(ct);
            foreach (var c in found) existing[c.ClientNo] = (c.IsIncomplete, c.HasName, c.HasBranch);
        }
        foreach (var row in rows.Values.OrderBy(r => r.Line).ToList())
        {
            var known = existing.TryGetValue(row.ClientNo, out var state);
            if (known && !state.IsIncomplete) continue;
            var missing = new List<string>();
            if (row.Name is null && !state.HasName) missing.Add("name");
            if (row.BranchId is null && !state.HasBranch) missing.Add("branch");
            if (missing.Count == 0) continue;
            problems.Add(new LineProblem(row.Line, missing[0], $"a new client needs {string.Join(" and ", missing)}"));
            rows.Remove(row.ClientNo);
        }
        if (problems.Any && !settings.SkipBadRows) throw new ImportRejectedException(problems.Describe(fileName), problems.Listed);

        var now = clock.GetUtcNow();
        int created = 0, updated = 0, completed = 0;
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            foreach (var chunk in rows.Values.OrderBy(r => r.Line).Chunk(1000))
            {
                var numbers = chunk.Select(r => r.ClientNo).ToList();
                var tracked = await db.Clients.Include(c => c.Servicers).Include(c => c.Consents)
                    .Where(c => numbers.Contains(c.ClientNo)).ToDictionaryAsync(c => c.ClientNo, ct);
                foreach (var row in chunk)
                {
                    if (!tracked.TryGetValue(row.ClientNo, out var client))
                    {
                        client = new Client(row.ClientNo, now);
                        db.Clients.Add(client);
                        created++;
                    }
                    else if (client.IsIncomplete)
                    {
                        completed++;
                    }
                    else
                    {
                        updated++;
                    }
                    Apply(client, row, now, setServicing: client.IsIncomplete || client.PrimaryServicer is null);
                    client.MarkComplete();
                    client.Touch(now);
                }
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
            }
            await tx.CommitAsync(ct);
        }
        LogImported(logger, created, updated, completed, problems.Count);
        return new ClientImportReport(read, created, updated, completed, problems.Count, rejects?.Path, ignored, Stopwatch.GetElapsedTime(started));
    }

    private void Apply(Client c, Row r, DateTimeOffset now, bool setServicing)
    {
        if (r.Name is not null) c.SetName(protector, r.Name);
        if (r.Mobile is not null) c.SetMobile(protector, r.Mobile);
        if (r.IdNumber is not null) c.SetIdNumber(protector, r.IdNumber);
        if (r.BranchId is not null) c.BranchId = r.BranchId;
        if (r.ManagerId is not null) c.DevelopingManagerId = r.ManagerId;
        if (r.OpenedOn is not null) c.OpenedOn = r.OpenedOn;
        if (r.WeComId is not null) c.WeComExternalUserId = r.WeComId;
        if (r.Suitability is not null) c.SuitabilityLevel = r.Suitability;
        if (r.AssessedOn is not null) c.SuitabilityAssessedOn = r.AssessedOn;
        if (r.Professional is not null) c.IsProfessionalInvestor = r.Professional.Value;
        if (r.Aml is not null) c.AmlRiskLevel = r.Aml;
        if (r.Consents is not null)
        {
            foreach (var purpose in Enum.GetValues<ConsentPurpose>())
            {
                // What the client gave or withdrew himself on his privacy page stands over the feed.
                if (c.Consents.FirstOrDefault(x => x.Purpose == purpose) is { IsClientsOwnChoice: true }) continue;
                c.SetConsent(purpose, r.Consents.Contains(purpose), "client-import", now);
            }
        }
        if (!setServicing) return;
        var (set, servicer) = r.Servicer;
        if (!set) servicer = r.ManagerId;
        if (servicer is { } staffId)
        {
            c.AssignPrimary(staffId, DutyScopes.PrimaryManager, now);
        }
        else
        {
            c.AssignPrimary(null, DutyScopes.ServiceOfficer, now);
            if (r.ManagerId is { } manager) c.SetCoServicer(manager, DutyScopes.KeptByManager, now);
        }
    }

    private static Row? Parse(CsvLineReader r, CsvHeader h, Dictionary<string, int> branches, Dictionary<string, StaffMember> staff, DateOnly today, out LineProblem? problem)
    {
        problem = null;
        var line = r.LineNumber;
        if (r.Error is not null) { problem = new LineProblem(line, null, r.Error); return null; }
        if (r.FieldCount != h.FieldCount) { problem = new LineProblem(line, null, $"expected {h.FieldCount} fields, found {r.FieldCount}"); return null; }

        string? Cell(string column)
        {
            var i = h.IndexOf(column);
            if (i < 0) return null;
            var v = r[i].Trim();
            return v.IsEmpty ? null : v.ToString();
        }
        LineProblem Bad(string column, string reason) => new(line, column, reason);

        var no = Cell("client_no");
        if (!ClientNumber.IsValid(no, out var noError)) { problem = Bad("client_no", noError!); return null; }
        var name = Cell("name");
        if (name is not null && name.Length > 64) { problem = Bad("name", "name is longer than 64 characters"); return null; }
        var mobile = Cell("mobile");
        if (mobile is not null && !PersonalDataFormat.IsValidMobile(mobile)) { problem = Bad("mobile", "not a mainland mobile number (11 digits starting 13-19)"); return null; }
        var id = Cell("id_number");
        if (id is not null && !PersonalDataFormat.IsValidIdNumber(id, out var resident))
        {
            problem = Bad("id_number", resident ? "resident ID check digit is wrong" : "not a valid document number");
            return null;
        }
        int? branchId = null;
        if (Cell("branch") is { } branch)
        {
            if (!branches.TryGetValue(branch, out var bid)) { problem = Bad("branch", $"unknown branch '{branch}'"); return null; }
            branchId = bid;
        }
        int? managerId = null;
        if (Cell("manager") is { } manager)
        {
            if (!staff.TryGetValue(manager, out var m)) { problem = Bad("manager", $"unknown staff login '{manager}'"); return null; }
            if (m.Role != StaffRole.ClientManager) { problem = Bad("manager", $"'{manager}' is not a client manager"); return null; }
            managerId = m.Id;
        }
        (bool, int?) servicer = (false, null);
        if (Cell("servicer") is { } s)
        {
            if (s.Equals("SO", StringComparison.OrdinalIgnoreCase) || s.Equals("pool", StringComparison.OrdinalIgnoreCase) || s == "服务官")
            {
                servicer = (true, null);
            }
            else if (staff.TryGetValue(s, out var sm) && sm.Role == StaffRole.ClientManager)
            {
                servicer = (true, sm.Id);
            }
            else
            {
                problem = Bad("servicer", $"'{s}' is neither a client manager's login nor SO (服务官)");
                return null;
            }
        }
        if (!Date("opened_on", out var opened, out problem)) return null;
        if (!Date("assessed_on", out var assessed, out problem)) return null;
        var wecom = Cell("wecom_external_userid");
        if (wecom is not null && (wecom.Length > 64 || !wecom.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')))
        {
            problem = Bad("wecom_external_userid", "not a WeCom external user id");
            return null;
        }
        SuitabilityLevel? suitability = null;
        if (Cell("suitability") is { } su)
        {
            if (!Enum.TryParse<SuitabilityLevel>(su, ignoreCase: true, out var level) || !Enum.IsDefined(level))
            {
                problem = Bad("suitability", $"'{su}' is not C1-C5");
                return null;
            }
            suitability = level;
        }
        bool? professional = null;
        if (Cell("professional") is { } pro)
        {
            professional = pro.ToLowerInvariant() switch
            {
                "y" or "yes" or "true" or "1" or "是" => true,
                "n" or "no" or "false" or "0" or "否" => false,
                _ => null,
            };
            if (professional is null) { problem = Bad("professional", $"'{pro}' is not Y/N (是/否)"); return null; }
        }
        AmlRiskLevel? aml = null;
        if (Cell("aml_risk") is { } a)
        {
            aml = a.ToLowerInvariant() switch
            {
                "low" or "低" or "低风险" => AmlRiskLevel.Low,
                "medium" or "中" or "中风险" => AmlRiskLevel.Medium,
                "high" or "高" or "高风险" => AmlRiskLevel.High,
                _ => null,
            };
            if (aml is null) { problem = Bad("aml_risk", $"'{a}' is not low/medium/high (低/中/高)"); return null; }
        }
        List<ConsentPurpose>? consents = null;
        if (Cell("consents") is { } cs)
        {
            consents = [];
            foreach (var part in cs.Split([';', '|', '；'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                ConsentPurpose? p = part.ToLowerInvariant() switch
                {
                    "service" or "服务" => ConsentPurpose.ServiceMessages,
                    "marketing" or "营销" => ConsentPurpose.Marketing,
                    "personalised" or "personalized" or "个性化" => ConsentPurpose.PersonalisedPush,
                    "external_model" or "外部模型" => ConsentPurpose.ExternalModelProcessing,
                    "archive" or "会话存档" => ConsentPurpose.ConversationArchive,
                    "none" or "无" => null,
                    _ => (ConsentPurpose)(-1),
                };
                if (p == (ConsentPurpose)(-1))
                {
                    problem = Bad("consents", $"unknown consent '{part}' (service, marketing, personalised, external_model, archive)");
                    return null;
                }
                if (p is { } purpose) consents.Add(purpose);
            }
        }
        return new Row(line, no!.ToUpperInvariant(), name, mobile, id, branchId, managerId, servicer, opened, wecom, suitability, assessed, professional, aml, consents);

        bool Date(string column, out DateOnly? value, out LineProblem? dateProblem)
        {
            value = null;
            dateProblem = null;
            if (Cell(column) is not { } text) return true;
            if (!AssetFeedRow.TryParseDate(text, out var d)) { dateProblem = Bad(column, $"'{text}' is not a valid date (use yyyy-MM-dd or yyyyMMdd)"); return false; }
            if (d > today) { dateProblem = Bad(column, "date is in the future"); return false; }
            value = d;
            return true;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Client book imported: {Created} created, {Updated} updated, {Completed} placeholders completed, {Rejected} rejected")]
    private static partial void LogImported(ILogger logger, int created, int updated, int completed, long rejected);
}
