using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using CoServe.Features.Timeline;
using CoServe.Platform.Crypto;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CoServe.Tests.Features.Conversations;

/// <summary>
/// The real web app in a child process takes client messages over the channel API and is killed with SIGKILL
/// mid-stream; after a restart, and after the channel resends what it did not see acknowledged (and some of
/// what it did), every acknowledged message is on the timeline exactly once with the id it was acknowledged
/// with, and the service officer has answered every message exactly once.
/// </summary>
public class CrashRecoveryTests
{
    private const int Messages = 240;
    private const int KillAfterAcknowledged = 80;
    private const string Key = "crash-test-channel-key";

    private sealed record Sent(int Index, string ClientNo, string IdempotencyKey);

    [Fact]
    public async Task SigkillMidStream_EveryAcknowledgedMessageStoredOnce_AndAnsweredOnceAfterRestart()
    {
        await using var h = await CoreHarness.StartAsync(StoreKind.Sqlite);
        var messages = new List<Sent>();
        await using (var db = h.NewDb())
        {
            var org = await TestOrg.CreateAsync(db);
            var protector = h.Services.GetRequiredService<FieldProtector>();
            // One client per message: each message opens its own conversation with the AI, so each needs one answer.
            for (var i = 0; i < Messages; i++)
            {
                var no = $"K{i:D4}";
                await TestOrg.AddClientAsync(db, protector, no, org.North, null, h.Clock.GetUtcNow(), "测试", "13800000000");
                messages.Add(new Sent(i, no, $"msg-{i}"));
            }
        }
        var settings = h.Store.Configuration();
        settings[$"Channels:webchat:Key"] = Key;
        settings["Logging:LogLevel:Default"] = "Warning";

        var acknowledged = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        await using (var app = await WebAppProcess.StartAsync(settings))
        {
            var next = -1;
            var killer = new TaskCompletionSource();
            var senders = Enumerable.Range(0, 6).Select(async _ =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < Messages)
                {
                    var (ok, id) = await SendAsync(http, app.BaseAddress, messages[i]);
                    if (ok) acknowledged[messages[i].IdempotencyKey] = id;
                    if (acknowledged.Count >= KillAfterAcknowledged) killer.TrySetResult();
                }
            }).ToList();
            await Task.WhenAny(killer.Task, Task.WhenAll(senders));
            await app.KillHardAsync();
            await Task.WhenAll(senders);
            Assert.InRange(acknowledged.Count, KillAfterAcknowledged, Messages - 1);
        }

        // Restart over the same store; the channel resends everything not acknowledged, and every 4th acknowledged message again.
        await using (var app = await WebAppProcess.StartAsync(settings))
        {
            var before = acknowledged.ToDictionary(x => x.Key, x => x.Value, StringComparer.Ordinal);
            var resend = messages.Where(m => !before.ContainsKey(m.IdempotencyKey) || m.Index % 4 == 0).ToList();
            await Parallel.ForEachAsync(resend, new ParallelOptions { MaxDegreeOfParallelism = 6 }, async (m, _) =>
            {
                var (ok, id) = await SendAsync(http, app.BaseAddress, m);
                Assert.True(ok, $"{m.IdempotencyKey} was not accepted after the restart:\n{app.Output}");
                if (before.TryGetValue(m.IdempotencyKey, out var first)) Assert.Equal(first, id);
                acknowledged[m.IdempotencyKey] = id;
            });

            // The officer worker picks up what was queued before the crash; wait until nothing is left (liveness bound, not a timing assertion).
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (true)
            {
                await using var db = h.NewDb();
                if (!await db.OfficerWorkItems.AnyAsync(w => w.ProcessedAt == null && w.Attempts < 3)) break;
                Assert.True(waited.Elapsed < TimeSpan.FromMinutes(4), "officer work did not complete after the restart:\n" + app.Output);
                await Task.Delay(200);
            }
        }

        await using (var db = h.NewDb())
        {
            var events = await db.TimelineEvents.AsNoTracking()
                .Where(e => e.Kind == TimelineKind.ClientMessage)
                .Select(e => new { e.Id, e.IdempotencyKey, e.ConversationId })
                .ToListAsync();
            Assert.Equal(Messages, acknowledged.Count);
            Assert.Equal(Messages, events.Count);
            Assert.Equal(Messages, events.Select(e => e.IdempotencyKey).Distinct().Count());
            foreach (var m in messages)
            {
                Assert.Equal(acknowledged[m.IdempotencyKey], Assert.Single(events, e => e.IdempotencyKey == $"webchat:{m.IdempotencyKey}").Id);
            }
            var work = await db.OfficerWorkItems.AsNoTracking().Select(w => new { w.ClientMessageEventId, w.ProcessedAt, w.Outcome }).ToListAsync();
            Assert.Equal(Messages, work.Count);
            Assert.Equal(events.Select(e => e.Id).Order(), work.Select(w => w.ClientMessageEventId).Order());
            Assert.All(work, w => Assert.NotNull(w.ProcessedAt));
            // One answer (or one holding message) per conversation: none lost, none repeated by the replay after the crash.
            var officerTurns = await db.TimelineEvents.AsNoTracking()
                .Where(e => e.Kind == TimelineKind.OfficerMessage)
                .GroupBy(e => e.ConversationId).Select(g => g.Count()).ToListAsync();
            Assert.Equal(work.Count(w => w.Outcome != "silent"), officerTurns.Count);
            Assert.All(officerTurns, n => Assert.Equal(1, n));
        }
    }

    private static async Task<(bool Ok, long EventId)> SendAsync(HttpClient http, Uri app, Sent m)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(app, "/api/channels/webchat/messages"))
        {
            Content = JsonContent.Create(new { clientNo = m.ClientNo, text = "请问开户需要准备什么材料？", idempotencyKey = m.IdempotencyKey }),
        };
        request.Headers.Add("X-CoServe-Channel-Key", Key);
        try
        {
            using var response = await http.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.Accepted) return (false, 0);
            var body = await response.Content.ReadFromJsonAsync<Accepted>();
            return (true, body!.EventId);
        }
        catch (HttpRequestException)
        {
            // The app is gone: not acknowledged.
            return (false, 0);
        }
        catch (TaskCanceledException)
        {
            return (false, 0);
        }
    }

    private sealed record Accepted(long EventId, bool Duplicate);
}
