using CoServe.Data;
using CoServe.Features.Channels;
using CoServe.Features.Clients;
using CoServe.Features.Conversations;
using CoServe.Features.Organization;
using CoServe.Features.Timeline;
using CoServe.Platform.Auth;
using CoServe.Platform.Crypto;
using CoServe.Platform.Live;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Abstractions;

namespace CoServe.Tests.Infrastructure;

/// <summary>
/// The co-service core over a real store with a scripted service officer. Clients: P400 (served by the
/// service officer, cm1 keeps commission/AML/complaint duties), C100 (cm1 primary), S300 (south branch, cm3).
/// </summary>
public sealed class CoServiceScenario : IAsyncDisposable
{
    private CoServiceScenario(CoreHarness harness, TestOrg org, ScriptedOfficer officer)
    {
        H = harness;
        Org = org;
        Officer = officer;
    }

    public CoreHarness H { get; }
    public TestOrg Org { get; }
    public ScriptedOfficer Officer { get; }

    public static async Task<CoServiceScenario> StartAsync(StoreKind kind = StoreKind.Sqlite, Action<Dictionary<string, string?>>? configure = null, DateTimeOffset? now = null)
    {
        var officer = new ScriptedOfficer();
        var h = await CoreHarness.StartAsync(kind, configure, now, s => s.Replace(ServiceDescriptor.Singleton<IServiceOfficerResponder>(officer)));
        await using var db = h.NewDb();
        var org = await TestOrg.CreateAsync(db);
        var protector = h.Services.GetRequiredService<FieldProtector>();
        var t = h.Clock.GetUtcNow();
        await TestOrg.AddClientAsync(db, protector, "P400", org.North, null, t, "钱七", "13800000400", coServicers: (org.Cm1, DutyScopes.KeptByManager));
        await TestOrg.AddClientAsync(db, protector, "C100", org.North, org.Cm1, t, "张三", "13800000100");
        await TestOrg.AddClientAsync(db, protector, "S300", org.South, org.Cm3, t, "赵六", "13800000300");
        return new CoServiceScenario(h, org, officer);
    }

    public T Get<T>()
        where T : notnull => H.Services.GetRequiredService<T>();

    public Task<InboundResult> SayAsync(string clientNo, string text, string? key = null, string channel = "webchat") =>
        H.RunAsync<IInboundMessageSink, InboundResult>(s => s.AcceptAsync(
            new InboundClientMessage(channel, ClientReferenceKind.ClientNo, clientNo, text, key ?? Guid.NewGuid().ToString("N"), H.Clock.GetUtcNow(), []),
            CancellationToken.None));

    /// <summary>What the officer worker of <see cref="DrainAsync"/> logged as warnings (a batch that failed and was answered item by item).</summary>
    public CountingLogger<OfficerWorker> OfficerLog { get; } = new();

    /// <summary>Runs the service officer for everything queued, like the background worker does.</summary>
    public Task<int> DrainAsync() =>
        new OfficerWorker(Get<IServiceScopeFactory>(), Get<OfficerSignal>(), OfficerLog).DrainAsync(CancellationToken.None);

    public Task<int> DispatchAsync() =>
        new OutboxDispatcher(Get<IServiceScopeFactory>(), Get<OutboxSignal>(), H.Clock, NullLogger<OutboxDispatcher>.Instance).DispatchAsync(CancellationToken.None);

    public Task<ControlResult> ControlAsync(Func<ConversationControl, Task<ControlResult>> action) => H.RunAsync(action);

    public void Online(params StaffMember[] staff)
    {
        foreach (var s in staff) Get<StaffPresence>().Connected(s.Id);
    }

    public async Task<Conversation> ConversationAsync(string clientNo, string channel = "webchat")
    {
        await using var db = H.NewDb();
        return await db.Conversations.AsNoTracking()
            .Where(c => db.Clients.Any(x => x.Id == c.ClientId && x.ClientNo == clientNo) && c.Channel == channel)
            .OrderByDescending(c => c.Id).FirstAsync();
    }

    /// <summary>The client's timeline as a staff member sees it, oldest first.</summary>
    public async Task<IReadOnlyList<TimelineItem>> TimelineAsync(StaffMember staff, string clientNo)
    {
        var page = await H.RunAsync<TimelineQueries, TimelinePage?>(q => q.PageAsync(CurrentStaff.From(staff), clientNo, new TimelineFilter(), null, 200, CancellationToken.None));
        return page is null ? [] : page.Items.Reverse().ToList();
    }

    public CoServeDb NewDb() => H.NewDb();

    public ValueTask DisposeAsync() => H.DisposeAsync();
}
