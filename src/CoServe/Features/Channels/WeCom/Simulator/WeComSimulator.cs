using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace CoServe.Features.Channels.WeCom.Simulator;

/// <summary>
/// A local stand-in for WeCom's servers: a real HTTP server on loopback that answers the API subset
/// CoServe calls with WeCom's rules and error codes on a controllable clock, and delivers signed,
/// encrypted callbacks to CoServe. Not production code: used by tests, benchmarks and the demo.
/// </summary>
public sealed class WeComSimulator : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = null };

    private readonly WebApplication _app;
    private readonly HttpClient _callbacks;
    private readonly WeComCrypto _crypto;

    private WeComSimulator(WebApplication app, SimulatorState state, SimulatorArchive archive, SimulatorClock clock, Uri baseAddress)
    {
        _app = app;
        State = state;
        Clock = clock;
        Archive = archive;
        BaseAddress = baseAddress;
        _crypto = new WeComCrypto(state.Options.Token, state.Options.EncodingAesKey, state.Options.CorpId);
        _callbacks = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
    }

    public SimulatorState State { get; }
    public SimulatorClock Clock { get; }
    public SimulatorArchive Archive { get; }
    public Uri BaseAddress { get; }
    public SimulatorOptions Options => State.Options;

    /// <summary>Starts on 127.0.0.1 at the port (0 = any free port).</summary>
    public static async Task<WeComSimulator> StartAsync(SimulatorOptions options, int port = 0, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = "Simulator" });
        // The simulator ignores CoServe's appsettings (Urls, logging): it is its own server.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        // Loopback only: the simulator is never reachable from another machine.
        builder.Configuration.AddInMemoryCollection([new("urls", string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"))]);
        var clock = new SimulatorClock();
        var state = new SimulatorState(options, clock);
        builder.Services.AddSingleton(state);
        var archive = new SimulatorArchive(clock);
        var app = builder.Build();
        WeComSimulator? sim = null;
        MapApi(app, state);
        MapArchive(app, state, archive);
        MapControl(app, () => sim!);
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        sim = new WeComSimulator(app, state, archive, clock, new Uri(address.EndsWith('/') ? address : address + "/"));
        return sim;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _callbacks.Dispose();
    }

    // ---------------------------------------------------------------- callbacks to CoServe

    /// <summary>A WeChat client writes to the kf account: queued for sync_msg, then the kf_msg_or_event callback is delivered.</summary>
    public async Task<(string MsgId, IReadOnlyList<int> CallbackStatuses)> ClientSaysAsync(string externalUserId, string text, int deliveries = 1, string msgType = "text", CancellationToken ct = default)
    {
        var (message, token) = State.ClientSays(externalUserId, Options.OpenKfId, msgType, text);
        var statuses = await DeliverAsync(
        [
            new("ToUserName", Options.CorpId),
            new("CreateTime", message.SendTime.ToString(CultureInfo.InvariantCulture)),
            new("MsgType", "event"),
            new("Event", "kf_msg_or_event"),
            new("Token", token),
            new("OpenKfId", Options.OpenKfId),
        ], deliveries, ct);
        return (message.MsgId, statuses);
    }

    /// <summary>A plain app message callback (MsgType text with MsgId) from a WeCom user.</summary>
    public async Task<(string MsgId, IReadOnlyList<int> CallbackStatuses)> AppMessageAsync(string fromUser, string text, int deliveries = 1, CancellationToken ct = default)
    {
        var msgId = State.NewAppMessageId();
        var statuses = await DeliverAsync(
        [
            new("ToUserName", Options.CorpId),
            new("FromUserName", fromUser),
            new("CreateTime", Clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
            new("MsgType", "text"),
            new("Content", text),
            new("MsgId", msgId),
            new("AgentID", Options.AgentId),
        ], deliveries, ct);
        return (msgId, statuses);
    }

    /// <summary>A change_external_contact event (add/del/edit_external_contact, transfer_fail).</summary>
    public Task<IReadOnlyList<int>> ContactEventAsync(string changeType, string userId, string? externalUserId, string? failReason = null, int deliveries = 1, CancellationToken ct = default)
    {
        List<KeyValuePair<string, string>> fields =
        [
            new("ToUserName", Options.CorpId),
            new("FromUserName", "sys"),
            new("CreateTime", Clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
            new("MsgType", "event"),
            new("Event", "change_external_contact"),
            new("ChangeType", changeType),
            new("UserID", userId),
        ];
        if (externalUserId is not null) fields.Add(new("ExternalUserID", externalUserId));
        if (failReason is not null) fields.Add(new("FailReason", failReason));
        return DeliverAsync(fields, deliveries, ct);
    }

    /// <summary>Encrypts and signs the message and POSTs it to the callback URL; WeCom's retries resend the same request.</summary>
    public async Task<IReadOnlyList<int>> DeliverAsync(IReadOnlyList<KeyValuePair<string, string>> fields, int deliveries, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(Options.CallbackUrl)) return [];
        var (url, body) = SignedCallback(WeComCallbackXml.Write(fields));
        var statuses = new List<int>();
        for (var i = 0; i < deliveries; i++)
        {
            try
            {
                using var content = new StringContent(body, System.Text.Encoding.UTF8, "text/xml");
                using var response = await _callbacks.PostAsync(url, content, ct);
                statuses.Add((int)response.StatusCode);
            }
            catch (HttpRequestException)
            {
                statuses.Add(0);
            }
        }
        return statuses;
    }

    /// <summary>The URL (with msg_signature, timestamp, nonce) and the XML envelope of an encrypted callback.</summary>
    public (string Url, string Body) SignedCallback(string plainXml)
    {
        var encrypted = _crypto.Encrypt(plainXml);
        var timestamp = Clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var nonce = RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue).ToString(CultureInfo.InvariantCulture);
        var signature = _crypto.Sign(timestamp, nonce, encrypted);
        var body = WeComCallbackXml.Write([new("ToUserName", Options.CorpId), new("Encrypt", encrypted), new("AgentID", Options.AgentId)]);
        var url = $"{Options.CallbackUrl}?msg_signature={signature}&timestamp={timestamp}&nonce={nonce}";
        return (url, body);
    }

    // ---------------------------------------------------------------- WeCom API subset

    private static IResult Reply(int errCode, Dictionary<string, object?>? fields = null)
    {
        var body = new Dictionary<string, object?> { ["errcode"] = errCode, ["errmsg"] = errCode == 0 ? "ok" : $"simulated error {errCode}" };
        if (errCode == 0 && fields is not null) foreach (var (k, v) in fields) body[k] = v;
        return Results.Json(body, Json);
    }

    private static IResult? Admit(SimulatorState state, HttpContext http, string path, bool needsToken = true)
    {
        var verdict = state.Admit(path, http.Request.Query["access_token"], needsToken);
        if (verdict is not { } v) return null;
        return v.Http != 200 ? Results.StatusCode(v.Http) : Reply(v.ErrCode);
    }

    private static async Task<JsonElement> BodyAsync(HttpRequest request, CancellationToken ct)
    {
        try
        {
            using var doc = await JsonDocument.ParseAsync(request.Body, cancellationToken: ct);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return default;
        }
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int Int(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : 0;

    private static List<string> Strs(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? [.. v.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!)]
            : [];

    private static void MapApi(WebApplication app, SimulatorState state)
    {
        var api = app.MapGroup("/cgi-bin");

        api.MapGet("/gettoken", (HttpContext http) =>
        {
            if (Admit(state, http, "gettoken", needsToken: false) is { } refused) return refused;
            var (code, token, expiresIn) = state.GetToken(http.Request.Query["corpid"], http.Request.Query["corpsecret"]);
            return Reply(code, new() { ["access_token"] = token, ["expires_in"] = expiresIn });
        });

        api.MapPost("/kf/sync_msg", async (HttpContext http, CancellationToken ct) =>
        {
            if (Admit(state, http, "kf/sync_msg") is { } refused) return refused;
            var b = await BodyAsync(http.Request, ct);
            var limit = b.ValueKind == JsonValueKind.Object && b.TryGetProperty("limit", out _) ? Int(b, "limit") : 1000;
            var (code, page, next, hasMore) = state.SyncMessages(Str(b, "open_kfid"), Str(b, "cursor"), Str(b, "token"), limit);
            return Reply(code, new()
            {
                ["next_cursor"] = next,
                ["has_more"] = hasMore ? 1 : 0,
                ["msg_list"] = page.Select(KfItem).ToList(),
            });
        });

        api.MapPost("/kf/send_msg", async (HttpContext http, CancellationToken ct) =>
        {
            if (Admit(state, http, "kf/send_msg") is { } refused) return refused;
            var b = await BodyAsync(http.Request, ct);
            if (Str(b, "msgtype") != "text") return Reply(SimulatorErrors.InvalidParameter);
            var text = b.TryGetProperty("text", out var t) ? Str(t, "content") : null;
            var (code, msgId) = state.SendKfText(Str(b, "touser"), Str(b, "open_kfid"), Str(b, "msgid"), text);
            return Reply(code, new() { ["msgid"] = msgId });
        });

        api.MapPost("/message/send", async (HttpContext http, CancellationToken ct) =>
        {
            if (Admit(state, http, "message/send") is { } refused) return refused;
            var b = await BodyAsync(http.Request, ct);
            var type = Str(b, "msgtype");
            var part = b.ValueKind == JsonValueKind.Object && type is not null && b.TryGetProperty(type, out var p) ? p : default;
            var (title, text, url) = type == "textcard" ? (Str(part, "title"), Str(part, "description"), Str(part, "url")) : (null, Str(part, "content"), null);
            var agent = b.ValueKind == JsonValueKind.Object && b.TryGetProperty("agentid", out var a) ? a.ToString() : null;
            var check = b.ValueKind == JsonValueKind.Object && b.TryGetProperty("enable_duplicate_check", out _) && Int(b, "enable_duplicate_check") == 1;
            var interval = b.ValueKind == JsonValueKind.Object && b.TryGetProperty("duplicate_check_interval", out _) ? Int(b, "duplicate_check_interval") : 1800;
            var (code, msgId, invalid) = state.SendAppMessage(Str(b, "touser"), type, agent, title, text, url, check, interval);
            return Reply(code, new() { ["invaliduser"] = invalid, ["msgid"] = msgId });
        });

        api.MapPost("/kf/service_state/get", async (HttpContext http, CancellationToken ct) =>
        {
            if (Admit(state, http, "kf/service_state/get") is { } refused) return refused;
            var b = await BodyAsync(http.Request, ct);
            var (code, s, servicer) = state.GetServiceState(Str(b, "open_kfid"), Str(b, "external_userid"));
            return Reply(code, new() { ["service_state"] = s, ["servicer_userid"] = servicer });
        });

        api.MapPost("/kf/service_state/trans", async (HttpContext http, CancellationToken ct) =>
        {
            if (Admit(state, http, "kf/service_state/trans") is { } refused) return refused;
            var b = await BodyAsync(http.Request, ct);
            var (code, msgCode) = state.TransServiceState(Str(b, "open_kfid"), Str(b, "external_userid"), Int(b, "service_state"), Str(b, "servicer_userid"));
            return Reply(code, new() { ["msg_code"] = msgCode });
        });

        api.MapGet("/externalcontact/list", (HttpContext http) =>
        {
            if (Admit(state, http, "externalcontact/list") is { } refused) return refused;
            var (code, ids) = state.ListContacts(http.Request.Query["userid"]);
            return Reply(code, new() { ["external_userid"] = ids });
        });

        api.MapGet("/externalcontact/get", (HttpContext http) =>
        {
            if (Admit(state, http, "externalcontact/get") is { } refused) return refused;
            var (code, contact, followers, next) = state.GetContact(http.Request.Query["external_userid"], http.Request.Query["cursor"]);
            if (code != 0) return Reply(code);
            return Reply(0, new()
            {
                ["external_contact"] = ContactInfo(contact!),
                ["follow_user"] = followers.Select(f => new Dictionary<string, object?>
                {
                    ["userid"] = f.UserId,
                    ["remark"] = f.Follow.Remark,
                    ["createtime"] = f.Follow.CreateTime,
                    ["remark_mobiles"] = new[] { f.Follow.Mobile },
                    ["tags"] = Array.Empty<object>(),
                    ["add_way"] = 1,
                }).ToList(),
                ["next_cursor"] = next,
            });
        });

        api.MapPost("/externalcontact/batch/get_by_user", async (HttpContext http, CancellationToken ct) =>
        {
            if (Admit(state, http, "externalcontact/batch/get_by_user") is { } refused) return refused;
            var b = await BodyAsync(http.Request, ct);
            var (code, page, next) = state.BatchGetByUser(Strs(b, "userid_list"), Str(b, "cursor"), Int(b, "limit"));
            return Reply(code, new()
            {
                ["external_contact_list"] = page.Select(p => new Dictionary<string, object?>
                {
                    ["external_contact"] = ContactInfo(p.Contact),
                    ["follow_info"] = new Dictionary<string, object?>
                    {
                        ["userid"] = p.UserId,
                        ["remark"] = p.Contact.Remark,
                        ["createtime"] = p.Contact.CreateTime,
                        ["tag_id"] = Array.Empty<string>(),
                        ["remark_mobiles"] = new[] { p.Contact.Mobile },
                        ["add_way"] = 1,
                    },
                }).ToList(),
                ["next_cursor"] = next,
            });
        });

        foreach (var resigned in new[] { false, true })
        {
            var prefix = resigned ? "externalcontact/resigned/" : "externalcontact/";
            api.MapPost("/" + prefix + "transfer_customer", async (HttpContext http, CancellationToken ct) =>
            {
                if (Admit(state, http, prefix + "transfer_customer") is { } refused) return refused;
                var b = await BodyAsync(http.Request, ct);
                var (code, customers) = state.TransferCustomers(Str(b, "handover_userid"), Str(b, "takeover_userid"), Strs(b, "external_userid"), Str(b, "transfer_success_msg"), resigned);
                return Reply(code, new()
                {
                    ["customer"] = customers.Select(c => new Dictionary<string, object?> { ["external_userid"] = c.ExternalUserId, ["errcode"] = c.ErrCode }).ToList(),
                });
            });
            api.MapPost("/" + prefix + "transfer_result", async (HttpContext http, CancellationToken ct) =>
            {
                if (Admit(state, http, prefix + "transfer_result") is { } refused) return refused;
                var b = await BodyAsync(http.Request, ct);
                var (code, page, next) = state.TransferResults(Str(b, "handover_userid"), Str(b, "takeover_userid"), Str(b, "cursor"), resigned);
                return Reply(code, new()
                {
                    ["customer"] = page.Select(t => new Dictionary<string, object?>
                    {
                        ["external_userid"] = t.ExternalUserId,
                        ["status"] = t.Status,
                        ["takeover_time"] = t.TakeoverTime?.ToUnixTimeSeconds() ?? 0,
                    }).ToList(),
                    ["next_cursor"] = next,
                });
            });
        }

        api.MapPost("/externalcontact/get_unassigned_list", async (HttpContext http, CancellationToken ct) =>
        {
            if (Admit(state, http, "externalcontact/get_unassigned_list") is { } refused) return refused;
            var b = await BodyAsync(http.Request, ct);
            var (code, page, isLast, next) = state.Unassigned(Str(b, "cursor"), Int(b, "page_size"));
            return Reply(code, new()
            {
                ["info"] = page.Select(p => new Dictionary<string, object?> { ["handover_userid"] = p.Handover, ["external_userid"] = p.ExternalUserId, ["dimission_time"] = 0 }).ToList(),
                ["is_last"] = isLast,
                ["next_cursor"] = next,
            });
        });

        api.MapPost("/externalcontact/add_msg_template", async (HttpContext http, CancellationToken ct) =>
        {
            if (Admit(state, http, "externalcontact/add_msg_template") is { } refused) return refused;
            var b = await BodyAsync(http.Request, ct);
            var text = b.ValueKind == JsonValueKind.Object && b.TryGetProperty("text", out var t) ? Str(t, "content") : null;
            var (code, fail, msgId) = state.AddMsgTemplate(Str(b, "chat_type"), Strs(b, "external_userid"), Str(b, "sender"), text);
            return Reply(code, new() { ["fail_list"] = fail, ["msgid"] = msgId });
        });

        api.MapPost("/externalcontact/mark_tag", async (HttpContext http, CancellationToken ct) =>
        {
            if (Admit(state, http, "externalcontact/mark_tag") is { } refused) return refused;
            var b = await BodyAsync(http.Request, ct);
            return Reply(state.MarkTag(Str(b, "userid"), Str(b, "external_userid"), Strs(b, "add_tag").Count, Strs(b, "remove_tag").Count));
        });
    }

    /// <summary>
    /// The archive over HTTP, standing in for the native SDK's GetChatData: the SDK's Init(corpid, secret)
    /// credentials travel in the body, the answer has the SDK's JSON shape {errcode, errmsg, chatdata:[...]}.
    /// </summary>
    private static void MapArchive(WebApplication app, SimulatorState state, SimulatorArchive archive)
    {
        app.MapPost("/finance/getchatdata", async (HttpContext http, CancellationToken ct) =>
        {
            if (Admit(state, http, "finance/getchatdata", needsToken: false) is { } refused) return refused;
            var b = await BodyAsync(http.Request, ct);
            if (Str(b, "corpid") != state.Options.CorpId) return Reply(SimulatorErrors.InvalidCorpId);
            if (Str(b, "secret") != state.Options.ArchiveSecret) return Reply(SimulatorErrors.InvalidSecret);
            var seq = b.ValueKind == JsonValueKind.Object && b.TryGetProperty("seq", out var s) && s.TryGetInt64(out var n) ? n : -1;
            var (code, records) = archive.GetChatData(seq, Int(b, "limit"));
            return Reply(code, new()
            {
                ["chatdata"] = records.Select(r => new Dictionary<string, object?>
                {
                    ["seq"] = r.Seq,
                    ["msgid"] = r.MsgId,
                    ["publickey_ver"] = r.PublicKeyVer,
                    ["encrypt_random_key"] = r.EncryptRandomKey,
                    ["encrypt_chat_msg"] = r.EncryptChatMsg,
                }).ToList(),
            });
        });
    }

    private static Dictionary<string, object?> KfItem(SimKfMessage m)
    {
        var item = new Dictionary<string, object?>
        {
            ["msgid"] = m.MsgId,
            ["open_kfid"] = m.OpenKfId,
            ["external_userid"] = m.ExternalUserId,
            ["send_time"] = m.SendTime,
            ["origin"] = 3,
            ["msgtype"] = m.MsgType,
        };
        item[m.MsgType] = m.MsgType == "text"
            ? new Dictionary<string, object?> { ["content"] = m.Text }
            : new Dictionary<string, object?> { ["media_id"] = m.MediaId };
        return item;
    }

    private static Dictionary<string, object?> ContactInfo(SimContact c) => new()
    {
        ["external_userid"] = c.ExternalUserId,
        ["name"] = c.Name,
        ["type"] = 1,
        ["gender"] = 0,
    };

    // ---------------------------------------------------------------- /sim control API for tests and the demo

    private sealed record SayRequest(string? Text, int? Deliveries, string? MsgType);
    private sealed record ArchiveMessageRequest(string From, List<string> ToList, string? Text, string? RoomId, string? MsgType);
    private sealed record ContactEventRequest(string ChangeType, string UserId, string? ExternalUserId, string? FailReason, int? Deliveries);
    private sealed record FaultRequest(string? Path, int? ErrCode, int? Count, int? Status5xx, int? FailAfterCalls, bool? Clear);

    private static void MapControl(WebApplication app, Func<WeComSimulator> sim)
    {
        var control = app.MapGroup("/sim");
        control.MapPost("/clients/{externalUserId}/say", async (string externalUserId, SayRequest request, CancellationToken ct) =>
        {
            var (msgId, statuses) = await sim().ClientSaysAsync(externalUserId, request.Text ?? "", request.Deliveries ?? 1, request.MsgType ?? "text", ct);
            return Results.Json(new Dictionary<string, object?> { ["msgid"] = msgId, ["callback_statuses"] = statuses }, Json);
        });
        control.MapPost("/users/{userId}/app-message", async (string userId, SayRequest request, CancellationToken ct) =>
        {
            var (msgId, statuses) = await sim().AppMessageAsync(userId, request.Text ?? "", request.Deliveries ?? 1, ct);
            return Results.Json(new Dictionary<string, object?> { ["msgid"] = msgId, ["callback_statuses"] = statuses }, Json);
        });
        control.MapPost("/events/contact", async (ContactEventRequest r, CancellationToken ct) =>
            Results.Json(new Dictionary<string, object?> { ["callback_statuses"] = await sim().ContactEventAsync(r.ChangeType, r.UserId, r.ExternalUserId, r.FailReason, r.Deliveries ?? 1, ct) }, Json));
        control.MapGet("/delivered", () => Results.Json(sim().State.Delivered.Select(d => new Dictionary<string, object?>
        {
            ["msgid"] = d.MsgId,
            ["open_kfid"] = d.OpenKfId,
            ["touser"] = d.ToUser,
            ["text"] = d.Text,
            ["at"] = d.At,
        }).ToList(), Json));
        control.MapGet("/app-messages", () => Results.Json(sim().State.AppMessages.Select(m => new Dictionary<string, object?>
        {
            ["msgid"] = m.MsgId,
            ["touser"] = m.ToUser,
            ["msgtype"] = m.MsgType,
            ["title"] = m.Title,
            ["text"] = m.Text,
            ["url"] = m.Url,
            ["at"] = m.At,
        }).ToList(), Json));
        control.MapPost("/archive/messages", (ArchiveMessageRequest r) =>
            Results.Json(new Dictionary<string, object?> { ["msgid"] = sim().Archive.Send(r.From, r.ToList, r.Text ?? "", r.RoomId, r.MsgType ?? "text") }, Json));
        control.MapPost("/archive/skip/{count:int}", (int count) =>
        {
            if (count < 1) return Results.BadRequest("count must be at least 1");
            sim().Archive.SkipSeqs(count);
            return Results.NoContent();
        });
        control.MapPost("/archive/public-keys/{version:int}", async (int version, HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            sim().Archive.UsePublicKey(version, await reader.ReadToEndAsync());
            return Results.NoContent();
        });
        control.MapGet("/calls", () => Results.Json(sim().State.Calls, Json));
        control.MapGet("/transfers", () => Results.Json(sim().State.Transfers.Select(t => new Dictionary<string, object?>
        {
            ["external_userid"] = t.ExternalUserId,
            ["handover_userid"] = t.Handover,
            ["takeover_userid"] = t.Takeover,
            ["status"] = t.Status,
            ["started_at"] = t.StartedAt,
        }).ToList(), Json));
        control.MapGet("/group-messages", () => Results.Json(sim().State.GroupMessages, Json));
        control.MapPost("/clock/advance", (double seconds) =>
        {
            sim().Clock.Advance(TimeSpan.FromSeconds(seconds));
            return Results.Json(new Dictionary<string, object?> { ["now"] = sim().Clock.GetUtcNow() }, Json);
        });
        control.MapPost("/tokens/expire", () =>
        {
            sim().State.ExpireTokens();
            return Results.NoContent();
        });
        control.MapPost("/faults", (FaultRequest r) =>
        {
            var s = sim().State;
            if (r.Clear == true) s.ClearFaults();
            if (r.ErrCode is { } code) s.ForceError(r.Path, code, r.Count ?? 1);
            if (r.Status5xx is { } n) s.Force5xx(n);
            if (r.FailAfterCalls is { } after) s.FailAfter(after);
            return Results.NoContent();
        });
        control.MapPost("/rate-limits", (string path, int perMinute) =>
        {
            sim().State.SetRateLimit(path, perMinute);
            return Results.NoContent();
        });
        control.MapPost("/customers/{externalUserId}/refuse", async (string externalUserId, CancellationToken ct) =>
        {
            var takeover = sim().State.Refuse(externalUserId);
            if (takeover is null) return Results.NotFound();
            // WeCom's transfer_fail callback names the takeover member; the simulator adds the customer too.
            await sim().ContactEventAsync("transfer_fail", takeover, externalUserId, "customer_refused", 1, ct);
            return Results.NoContent();
        });
        control.MapPost("/customers/{externalUserId}/at-capacity", (string externalUserId) =>
        {
            sim().State.AtCapacity(externalUserId);
            return Results.NoContent();
        });
        control.MapPost("/users/{userId}/resign", (string userId) =>
        {
            sim().State.Resign(userId);
            return Results.NoContent();
        });
        control.MapPost("/users/{userId}/contacts", (string userId, int count) =>
        {
            sim().State.AddContacts(userId, count);
            return Results.NoContent();
        });
    }
}
