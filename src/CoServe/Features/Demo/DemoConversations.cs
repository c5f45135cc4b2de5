using CoServe.Data;
using CoServe.Features.Channels;
using CoServe.Features.Clients;
using CoServe.Features.Conversations;
using CoServe.Features.Organization;
using CoServe.Features.Security;
using CoServe.Platform.Auth;
using CoServe.Platform.Crypto;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Demo;

public sealed record DemoConversationsReport(int Dialogues, int Stored, int Duplicates, IReadOnlyList<string> Problems);

public sealed record DemoStaffReport(int Done, int Skipped, IReadOnlyList<string> Problems);

/// <summary>
/// Gives the demo a service officer that has been at work: scripted client messages, written for CoServe, sent by
/// clients of the service officer's pool through the same inbound path as the channel API. Nothing here writes
/// an answer, a handoff or a ticket: the service officer answers, clarifies and hands off as it would for real
/// clients, and staff work on some handoffs through the console's own actions (<see cref="StaffScript"/>), so the
/// inbox, the co-served page, the dashboard and the timelines show what the product does. Idempotent: each
/// message has a fixed key, so a second replay stores nothing, and a staff step acts only on a handoff still waiting. The web app replays once, right after seeding and
/// in the background once it runs (<see cref="DemoSetup"/>).
/// </summary>
public sealed partial class DemoConversations(IDbContextFactory<CoServeDb> dbFactory, IInboundMessageSink inbound, IServiceScopeFactory scopes,
    ILogger<DemoConversations> logger)
{
    /// <summary>One client's messages, in order. <see cref="Keeper"/> picks a client whose duties that manager keeps.</summary>
    public sealed record Dialogue(string Keeper, params string[] Messages);

    /// <summary>
    /// Who says what: FAQ questions with follow-ups for every Beijing manager's clients, and the things the officer must
    /// not handle itself (complaints and commission requests for the keeping manager, advice for the advisors, account
    /// security and requests for a human for the digital team).
    /// </summary>
    public static readonly IReadOnlyList<Dialogue> Script =
    [
        new("cm.bj1", "国债逆回购怎么操作？", "那手续费呢？"),
        new("cm.bj1", "你好，我上个月申请的转托管到现在还没办好", "我要投诉你们的服务，打了三次电话都没人处理"),
        new("cm.bj1", "我的佣金现在是多少？", "佣金太高了，能不能给我调到万一？"),
        new("cm.bj1", "科创板开通需要什么条件？"),
        new("cm.bj1", "贵州茅台现在该不该买？目标价多少？"),
        new("cm.bj2", "银证转账几点可以转？"),
        new("cm.bj2", "新股申购的额度是怎么算的？", "中签了什么时候缴款？"),
        new("cm.bj2", "你们这个App天天闪退，烦死了，气死我了！"),
        new("cm.bj3", "交易密码忘了怎么办？"),
        new("cm.bj3", "融资融券开通要什么条件？"),
        new("cm.bj3", "转人工"),
        new("cm.bj4", "身份证过期了要怎么更新？"),
        new("cm.bj4", "分红什么时候到账？"),
        new("cm.bj5", "港股通开通有什么要求？"),
        new("cm.bj5", "我的账户好像被盗了，有人改了我的密码"),
        new("cm.bj6", "风险测评怎么重新做？"),
        new("cm.bj6", "可转债怎么申购？"),
        new("cm.sh1", "我要向12386投诉你们营业部", "你们一直拖着不给我处理"),
        new("cm.sh1", "创业板开通需要什么条件？"),
        new("cm.sh2", "佣金可以再低一点吗？别家都是万一免五"),
        new("cm.sh2", "北交所权限怎么开？"),
        new("cm.sz1", "我朋友想借用我的账户炒股，可以吗？"),
        new("cm.sz1", "销户需要带什么材料？"),
        new("cm.sz2", "请推荐几只明天会涨的股票"),
        new("cm.sz2", "几点开始可以挂单？"),
    ];

    /// <summary>What one member of staff does with the handoff of one dialogue (index into <see cref="Script"/>).</summary>
    /// <param name="Dialogue">Index into <see cref="Script"/>.</param>
    /// <param name="Login">The staff member.</param>
    /// <param name="Reply">What he answers the client.</param>
    /// <param name="Note">An internal note after the reply.</param>
    /// <param name="HandBack">Hand the conversation back to the service officer.</param>
    /// <param name="CloseWith">Close the conversation with this outcome.</param>
    /// <param name="Reveal">A personal field the staff member unmasks first (to call the client back, say): audited, and listed on the client's privacy page.</param>
    public sealed record StaffStep(int Dialogue, string Login, string Reply, string? Note = null, bool HandBack = false, string? CloseWith = null,
        (ProtectedField Field, AccessPurpose Kind, string Purpose)? Reveal = null);

    /// <summary>
    /// Staff at work on some of the handoffs, through the same console actions as a person's clicks: the keeping manager
    /// answers a complaint and tells his branch head, the advisor answers a request for a stock tip and closes it, the
    /// digital team answers a request for a human and hands back to the service officer, and takes on a security case.
    /// The commission requests, the other complaints, the angry client, the AML question and the second advice request
    /// stay waiting, for whoever explores the demo.
    /// </summary>
    public static readonly IReadOnlyList<StaffStep> StaffScript =
    [
        new(1, "cm.bj1", "您好，我是您的客户经理。转托管办理慢给您添麻烦了，我已经联系转入券商核实进度，今天下班前给您回电话说明。",
            Note: "@head.bj 客户对转托管办理慢不满，已致电核实，今天内回复客户。",
            Reveal: (ProtectedField.Mobile, AccessPurpose.Complaint, "回电说明转托管进度")),
        new(4, "adv.bj", "您好，我是营业部的投资顾问。我们不对单只股票给出买卖建议或价格预测；如果您想结合自己的风险承受能力和持仓做一次资产配置沟通，可以随时约我。",
            CloseWith: "已说明不提供个股买卖建议，客户可预约投顾沟通"),
        new(10, "ops1", "您好，我是数智服务团队的同事，已经为您接入人工。刚才的问题服务官会继续为您解答，有需要随时再找我们。", HandBack: true),
        new(14, "ops2", "您好，账户安全的问题由我为您处理。请先在App的安全中心修改交易密码，并拨打营业部电话核实身份，我们会协助您核查近期的登录记录。",
            Reveal: (ProtectedField.Name, AccessPurpose.AccountService, "账户安全：来电时核实客户身份")),
    ];

    private const string KeyPrefix = "demo-dialogue-";

    /// <summary>
    /// Sends the script in rounds: every dialogue's first message, then (after <paramref name="betweenRounds"/>, which
    /// waits for the service officer's answers in the running app) every second message, and so on, so a follow-up
    /// comes after the answer it follows up on, as a client would send it.
    /// </summary>
    public async Task<DemoConversationsReport> ReplayAsync(Func<CancellationToken, Task> betweenRounds, CancellationToken ct)
    {
        var clientOf = await ClientsAsync(ct);
        int stored = 0, duplicates = 0;
        var problems = new List<string>();
        for (var d = 0; d < Script.Count; d++)
        {
            if (clientOf[d] is null) problems.Add($"dialogue {d + 1}: {Script[d].Keeper} keeps duties for no further client of the service officer");
        }
        var rounds = Script.Max(d => d.Messages.Length);
        for (var m = 0; m < rounds; m++)
        {
            if (m > 0) await betweenRounds(ct);
            for (var d = 0; d < Script.Count; d++)
            {
                if (clientOf[d] is not { } clientNo || m >= Script[d].Messages.Length) continue;
                var result = await inbound.AcceptAsync(new InboundClientMessage(WebChatChannel.Name, ClientReferenceKind.ClientNo, clientNo,
                    Script[d].Messages[m], $"{KeyPrefix}{d + 1}-{m + 1}", DateTimeOffset.MinValue, []), ct);
                switch (result.Outcome)
                {
                    case InboundOutcome.Stored: stored++; break;
                    case InboundOutcome.Duplicate: duplicates++; break;
                    default: problems.Add($"dialogue {d + 1}, message {m + 1}: {result.Outcome} {result.Problem}"); break;
                }
            }
        }
        LogReplayed(logger, Script.Count, stored, duplicates, problems.Count);
        return new DemoConversationsReport(Script.Count, stored, duplicates, problems);
    }

    /// <summary>Waits until the service officer has processed every queued client message (or <paramref name="limit"/> passes).</summary>
    public async Task WaitForOfficerAsync(TimeSpan limit, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(limit);
        try
        {
            while (true)
            {
                await using var db = await dbFactory.CreateDbContextAsync(timeout.Token);
                if (!await db.OfficerWorkItems.AnyAsync(w => w.ProcessedAt == null, timeout.Token)) return;
                await Task.Delay(TimeSpan.FromMilliseconds(500), timeout.Token);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // The officer is slow (building its first snapshot on a busy machine): go on; the next round queues behind.
        }
    }

    /// <summary>
    /// Runs <see cref="StaffScript"/> through <see cref="ConversationControl"/>, as the staff member would in the console. A
    /// step whose conversation no longer waits for a human (someone took it, or a replay already did) is skipped, so a
    /// second run changes nothing.
    /// </summary>
    public async Task<DemoStaffReport> ActAsStaffAsync(CancellationToken ct)
    {
        var clientOf = await ClientsAsync(ct);
        int done = 0, skipped = 0;
        var problems = new List<string>();
        foreach (var step in StaffScript)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CoServeDb>();
            var control = scope.ServiceProvider.GetRequiredService<ConversationControl>();
            var member = await db.Staff.AsNoTracking().SingleOrDefaultAsync(s => s.Login == step.Login, ct);
            var clientNo = clientOf[step.Dialogue];
            var conversationId = clientNo is null ? null : await (
                from c in db.Conversations.AsNoTracking()
                join k in db.Clients.AsNoTracking() on c.ClientId equals k.Id
                where k.ClientNo == clientNo && c.Channel == WebChatChannel.Name && c.State == ConversationState.WaitingForHuman
                select (long?)c.Id).FirstOrDefaultAsync(ct);
            if (member is null || conversationId is not { } id)
            {
                skipped++;
                continue;
            }
            var staff = CurrentStaff.From(member);
            if (step.Reveal is { } reveal)
            {
                await scope.ServiceProvider.GetRequiredService<RevealPersonalData>().RevealAsync(staff, clientNo!, reveal.Field, reveal.Kind, reveal.Purpose, "console", ct);
            }
            var results = new List<ControlResult> { await control.ReplyAsync(staff, id, step.Reply, confirmWarning: false, ct) };
            if (step.Note is { } note) results.Add(await control.AddNoteAsync(staff, clientNo!, id, note, ct));
            if (step.HandBack) results.Add(await control.HandBackAsync(staff, id, ct));
            if (step.CloseWith is { } outcome) results.Add(await control.CloseAsync(staff, id, outcome, 0, ct));
            if (results.FirstOrDefault(r => !r.Ok) is { } failed) problems.Add($"dialogue {step.Dialogue + 1}, {step.Login}: {failed.Status} {failed.Message}");
            else done++;
        }
        LogActed(logger, done, skipped, problems.Count);
        return new DemoStaffReport(done, skipped, problems);
    }

    /// <summary>Per dialogue, the client who says it: clients of the service officer's pool whose duties its manager keeps, in client-number order.</summary>
    private async Task<string?[]> ClientsAsync(CancellationToken ct)
    {
        var keepers = Script.Select(d => d.Keeper).Distinct().ToList();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var kept = await (
            from s in db.ClientServicers.AsNoTracking()
            join m in db.Staff.AsNoTracking() on s.StaffId equals m.Id
            where !s.IsPrimary && m.Role == StaffRole.ClientManager && keepers.Contains(m.Login)
                  && (s.Duties & DutyScopes.KeptByManager) == DutyScopes.KeptByManager
                  && db.ClientServicers.Any(p => p.ClientId == s.ClientId && p.IsPrimary && p.StaffId == null)
            orderby s.ClientNo
            select new { m.Login, s.ClientNo }).ToListAsync(ct);
        var pool = kept.GroupBy(k => k.Login).ToDictionary(g => g.Key, g => new Queue<string>(g.Select(k => k.ClientNo)));
        return [.. Script.Select(d => pool.TryGetValue(d.Keeper, out var clients) && clients.TryDequeue(out var no) ? no : null)];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo staff: {Done} handoffs worked on, {Skipped} no longer waiting, {Problems} problems")]
    private static partial void LogActed(ILogger logger, int done, int skipped, int problems);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo conversations: {Dialogues} dialogues, {Stored} client messages stored, {Duplicates} already there, {Problems} problems")]
    private static partial void LogReplayed(ILogger logger, int dialogues, int stored, int duplicates, int problems);
}
