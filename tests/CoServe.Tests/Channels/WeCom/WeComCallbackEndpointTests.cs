using System.Globalization;
using System.Net;
using System.Text;
using CoServe.Features.Channels;
using CoServe.Features.Channels.WeCom;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CoServe.Tests.Channels.WeCom;

public sealed class WeComCallbackEndpointTests
{
    private static StringContent Xml(string body) => new(body, Encoding.UTF8, "text/xml");

    private static string AppTextMessage(string msgId, string from = "zhangsan", string text = "请问开户需要什么材料") =>
        WeComCallbackXml.Write(
        [
            new("ToUserName", "corp"), new("FromUserName", from), new("CreateTime", "1700000000"),
            new("MsgType", "text"), new("Content", text), new("MsgId", msgId), new("AgentID", "1000002"),
        ]);

    [Fact]
    public async Task Get_OfficialVector_AnswersThePlaintextExactly()
    {
        await using var rig = await WeComRig.StartAsync(settings: new Dictionary<string, string?>
        {
            ["WeCom:Apps:kat:CorpId"] = WeComCryptoTests.KatReceiveId,
            ["WeCom:Apps:kat:Token"] = WeComCryptoTests.KatToken,
            ["WeCom:Apps:kat:EncodingAesKey"] = WeComCryptoTests.KatAesKey,
        }, services: s => s.AddSingleton<TimeProvider>(new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(long.Parse(WeComCryptoTests.KatTimestamp, CultureInfo.InvariantCulture)))));
        var url = $"/api/wecom/callback/kat?msg_signature={WeComCryptoTests.KatSignature}&timestamp={WeComCryptoTests.KatTimestamp}&nonce={WeComCryptoTests.KatNonce}&echostr={Uri.EscapeDataString(WeComCryptoTests.KatEchoStr)}";
        using var response = await rig.Http.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(Encoding.ASCII.GetBytes(WeComCryptoTests.KatPlain), bytes);
    }

    [Fact]
    public async Task Get_OfficialVectorOutsideReplayWindow_Is401()
    {
        await using var rig = await WeComRig.StartAsync(settings: new Dictionary<string, string?>
        {
            ["WeCom:Apps:kat:CorpId"] = WeComCryptoTests.KatReceiveId,
            ["WeCom:Apps:kat:Token"] = WeComCryptoTests.KatToken,
            ["WeCom:Apps:kat:EncodingAesKey"] = WeComCryptoTests.KatAesKey,
        });
        var url = $"/api/wecom/callback/kat?msg_signature={WeComCryptoTests.KatSignature}&timestamp={WeComCryptoTests.KatTimestamp}&nonce={WeComCryptoTests.KatNonce}&echostr={Uri.EscapeDataString(WeComCryptoTests.KatEchoStr)}";
        using var response = await rig.Http.GetAsync(url);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Get_BadSignature_Is401WithoutDetail()
    {
        await using var rig = await WeComRig.StartAsync(settings: new Dictionary<string, string?> { ["WeCom:ReplayWindowSeconds"] = "0" });
        var echo = Uri.EscapeDataString(rig.Sim.SignedCallback("x").Body);
        using var response = await rig.Http.GetAsync($"/api/wecom/callback/main?msg_signature=0000000000000000000000000000000000000000&timestamp=1&nonce=2&echostr={echo}");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("Callback rejected", body, StringComparison.Ordinal);
        Assert.DoesNotContain("signature", body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Post_UnknownApp_Is404()
    {
        await using var rig = await WeComRig.StartAsync();
        var (url, body) = rig.Sim.SignedCallback(AppTextMessage("1"));
        using var response = await rig.Http.PostAsync(url.Replace("/callback/main", "/callback/other", StringComparison.Ordinal), Xml(body));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Post_AppTextMessage_ReachesTheSinkAsAClientMessage()
    {
        await using var rig = await WeComRig.StartAsync();
        var (url, body) = rig.Sim.SignedCallback(AppTextMessage("8800001", from: "wmExternal01", text: "我想咨询一下"));
        using var response = await rig.Http.PostAsync(url, Xml(body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
        await WeComRig.EventuallyAsync(() => rig.Sink.Stored.Count == 1);
        var m = Assert.Single(rig.Sink.Stored);
        Assert.Equal("wecom", m.Channel);
        Assert.Equal(ClientReferenceKind.WeComExternalUserId, m.ReferenceKind);
        Assert.Equal("wmExternal01", m.ClientReference);
        Assert.Equal("我想咨询一下", m.Text);
        Assert.Equal("8800001", m.IdempotencyKey);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000), m.SentAt);
    }

    [Fact]
    public async Task Post_AppImageAndVoice_BecomeAttachmentsWithMetadata()
    {
        await using var rig = await WeComRig.StartAsync();
        foreach (var xml in new[]
        {
            WeComCallbackXml.Write([new("FromUserName", "u1"), new("CreateTime", "1700000001"), new("MsgType", "image"), new("PicUrl", "http://x/p.jpg"), new("MediaId", "media-img"), new("MsgId", "9001")]),
            WeComCallbackXml.Write([new("FromUserName", "u1"), new("CreateTime", "1700000002"), new("MsgType", "voice"), new("MediaId", "media-voice"), new("Format", "amr"), new("MsgId", "9002")]),
        })
        {
            var (url, body) = rig.Sim.SignedCallback(xml);
            using var response = await rig.Http.PostAsync(url, Xml(body));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        await WeComRig.EventuallyAsync(() => rig.Sink.Stored.Count == 2);
        var image = rig.Sink.Stored.Single(m => m.IdempotencyKey == "9001");
        Assert.Equal(new InboundAttachment("image", "media-img", null, null, null), Assert.Single(image.Attachments));
        var voice = rig.Sink.Stored.Single(m => m.IdempotencyKey == "9002");
        Assert.Equal(new InboundAttachment("voice", "media-voice", null, null, "amr"), Assert.Single(voice.Attachments));
    }

    [Fact]
    public async Task Post_SameMsgIdThreeTimes_IsProcessedOnce()
    {
        await using var rig = await WeComRig.StartAsync();
        var (_, statuses) = await rig.Sim.AppMessageAsync("wmExternal02", "重复投递", deliveries: 3);
        Assert.Equal([200, 200, 200], statuses);
        await WeComRig.EventuallyAsync(() => rig.Sink.Calls >= 1);
        await Task.Delay(200);
        Assert.Equal(1, rig.Sink.Calls);
    }

    [Fact]
    public async Task Post_BadSignature_Is401AndNothingQueued()
    {
        await using var rig = await WeComRig.StartAsync();
        var (url, body) = rig.Sim.SignedCallback(AppTextMessage("7001"));
        var sig = url[(url.IndexOf("msg_signature=", StringComparison.Ordinal) + 14)..][..40];
        var tampered = url.Replace(sig, (sig[0] == 'a' ? 'b' : 'a') + sig[1..], StringComparison.Ordinal);
        using var response = await rig.Http.PostAsync(tampered, Xml(body));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await Task.Delay(100);
        Assert.Equal(0, rig.Sink.Calls);
    }

    [Fact]
    public async Task Post_StaleTimestamp_Is401()
    {
        await using var rig = await WeComRig.StartAsync();
        rig.Sim.Clock.Advance(TimeSpan.FromSeconds(-301));
        var (url, body) = rig.Sim.SignedCallback(AppTextMessage("7002"));
        using var response = await rig.Http.PostAsync(url, Xml(body));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Post_StaleTimestampWithWindowOff_IsAccepted()
    {
        await using var rig = await WeComRig.StartAsync(settings: new Dictionary<string, string?> { ["WeCom:ReplayWindowSeconds"] = "0" });
        rig.Sim.Clock.Advance(TimeSpan.FromDays(-3));
        var (url, body) = rig.Sim.SignedCallback(AppTextMessage("7003"));
        using var response = await rig.Http.PostAsync(url, Xml(body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Post_OversizedBody_Is413()
    {
        await using var rig = await WeComRig.StartAsync();
        var (url, _) = rig.Sim.SignedCallback(AppTextMessage("7004"));
        var huge = "<xml><Encrypt>" + new string('A', 70 * 1024) + "</Encrypt></xml>";
        using var response = await rig.Http.PostAsync(url, Xml(huge));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Post_OversizedChunkedBody_Is413()
    {
        await using var rig = await WeComRig.StartAsync();
        var (url, _) = rig.Sim.SignedCallback(AppTextMessage("7005"));
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("<xml><Encrypt>" + new string('A', 200 * 1024) + "</Encrypt></xml>"))),
        };
        request.Headers.TransferEncodingChunked = true;
        using var response = await rig.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Theory]
    [InlineData("<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><xml><Encrypt>&xxe;</Encrypt></xml>")]
    [InlineData("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\"><!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\"><!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]><xml><Encrypt>&lol3;</Encrypt></xml>")]
    [InlineData("<xml><Encrypt><Nested>x</Nested></Encrypt></xml>")]
    [InlineData("<xml><Encrypt>abc</Encrypt>")]
    [InlineData("not xml at all")]
    [InlineData("<other><Encrypt>abc</Encrypt></other>")]
    public async Task Post_MalformedOrDtdEnvelope_Is400(string body)
    {
        await using var rig = await WeComRig.StartAsync();
        var (url, _) = rig.Sim.SignedCallback(AppTextMessage("7006"));
        using var response = await rig.Http.PostAsync(url, Xml(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("passwd", text, StringComparison.Ordinal);
        Assert.DoesNotContain("DTD", text, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("<xml><FromUserName>wmE</FromUserName><CreateTime>1700000000</CreateTime><MsgType>text</MsgType><Content>fish &amp; chips &lt;3</Content><MsgId>7101</MsgId></xml>", "fish & chips <3")]
    [InlineData("<xml>\r\n<FromUserName><![CDATA[wmE]]></FromUserName>\r\n<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[a &amp; <b>]]></Content><MsgId>7102</MsgId><Unknown><![CDATA[x]]></Unknown></xml>", "a &amp; <b>")]
    [InlineData("<?xml version=\"1.0\" encoding=\"UTF-8\"?><xml><FromUserName>wmE</FromUserName><CreateTime>1700000000</CreateTime><MsgType>text</MsgType><Content>line1\r\nline2</Content><MsgId>7103</MsgId></xml>", "line1\nline2")]
    public async Task Post_SignedMessageWithEntitiesCdataOrDeclaration_ReachesTheSinkDecoded(string message, string text)
    {
        await using var rig = await WeComRig.StartAsync();
        var (url, body) = rig.Sim.SignedCallback(message);
        using var response = await rig.Http.PostAsync(url, Xml(body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await WeComRig.EventuallyAsync(() => rig.Sink.Stored.Count == 1);
        Assert.Equal(text, Assert.Single(rig.Sink.Stored).Text);
    }

    [Theory]
    [InlineData("cdata")]
    [InlineData("plain")]
    [InlineData("split")]
    [InlineData("newlines")]
    public async Task Post_EnvelopeInAnyWellFormedShape_IsAccepted(string shape)
    {
        // The ciphertext is read from the body's bytes for WeCom's plain shape and by the XmlReader otherwise; the
        // signature and the decryption must not care which.
        await using var rig = await WeComRig.StartAsync();
        var (url, body) = rig.Sim.SignedCallback(AppTextMessage("7201"));
        var start = body.IndexOf("<Encrypt><![CDATA[", StringComparison.Ordinal) + 18;
        var encrypted = body[start..body.IndexOf("]]></Encrypt>", start, StringComparison.Ordinal)];
        var cdata = $"<Encrypt><![CDATA[{encrypted}]]></Encrypt>";
        body = shape switch
        {
            "plain" => body.Replace(cdata, $"<Encrypt>{encrypted}</Encrypt>", StringComparison.Ordinal),
            "split" => body.Replace(cdata, $"<Encrypt><![CDATA[{encrypted[..10]}]]><![CDATA[{encrypted[10..]}]]></Encrypt>", StringComparison.Ordinal),
            "newlines" => body.Replace("><", ">\r\n  <", StringComparison.Ordinal),
            _ => body,
        };
        using var response = await rig.Http.PostAsync(url, Xml(body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await WeComRig.EventuallyAsync(() => rig.Sink.Stored.Count == 1);
    }

    [Theory]
    [InlineData("<xml><ToUserName>corp</ToUserName></xml>")]
    [InlineData("<xml><Encrypt></Encrypt></xml>")]
    [InlineData("<xml><Encrypt><![CDATA[]]></Encrypt></xml>")]
    [InlineData("<xml><Encrypt>abc</Encrypt><Encrypt>abc</Encrypt></xml>")]
    public async Task Post_EnvelopeWithoutOneCiphertext_Is400(string body)
    {
        await using var rig = await WeComRig.StartAsync();
        var (url, _) = rig.Sim.SignedCallback(AppTextMessage("7202"));
        using var response = await rig.Http.PostAsync(url, Xml(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, rig.Sink.Calls);
    }

    [Fact]
    public async Task Post_SignedMessageCarryingAnXmlBomb_Is400()
    {
        // A sender with the keys still cannot make the inner XML expand entities.
        await using var rig = await WeComRig.StartAsync();
        var bomb = "<!DOCTYPE xml [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>"
            + "<xml><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&c;</Content><MsgId>7007</MsgId></xml>";
        var (url, body) = rig.Sim.SignedCallback(bomb);
        using var response = await rig.Http.PostAsync(url, Xml(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, rig.Sink.Calls);
    }

    [Fact]
    public async Task Post_MissingQueryParameters_Is400()
    {
        await using var rig = await WeComRig.StartAsync();
        var (_, body) = rig.Sim.SignedCallback(AppTextMessage("7008"));
        using var response = await rig.Http.PostAsync("/api/wecom/callback/main", Xml(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Post_EncryptedForAnotherCorp_Is400()
    {
        await using var rig = await WeComRig.StartAsync();
        var other = new WeComCrypto(rig.Sim.Options.Token, rig.Sim.Options.EncodingAesKey, "wwanothercorp");
        var encrypted = other.Encrypt(AppTextMessage("7009"));
        var ts = rig.Sim.Clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = other.Sign(ts, "2", encrypted);
        using var response = await rig.Http.PostAsync($"/api/wecom/callback/main?msg_signature={signature}&timestamp={ts}&nonce=2",
            Xml(WeComCallbackXml.Write([new("Encrypt", encrypted)])));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task ContactEvents_SameSecondDifferentCustomers_AreBothRaised_AndRetriesOnce()
    {
        await using var rig = await WeComRig.StartAsync();
        await rig.Sim.ContactEventAsync("add_external_contact", "cm0001", "wmA", deliveries: 3);
        await rig.Sim.ContactEventAsync("add_external_contact", "cm0001", "wmB", deliveries: 2);
        await rig.Sim.ContactEventAsync("del_external_contact", "cm0001", "wmA");
        await rig.Sim.ContactEventAsync("edit_external_contact", "cm0002", "wmC");
        await rig.Sim.ContactEventAsync("transfer_fail", "cm0003", "wmD", failReason: "customer_refused");
        await WeComRig.EventuallyAsync(() => rig.Events.Changes.Count >= 5);
        await Task.Delay(200);
        var changes = rig.Events.Changes.ToList();
        Assert.Equal(5, changes.Count);
        Assert.Equal(2, changes.OfType<ExternalContactAdded>().Count());
        Assert.Equal("wmA", Assert.Single(changes.OfType<ExternalContactDeleted>()).ExternalUserId);
        Assert.Equal("cm0002", Assert.Single(changes.OfType<ExternalContactEdited>()).UserId);
        var failed = Assert.Single(changes.OfType<ExternalContactTransferFailed>());
        Assert.Equal(("cm0003", "customer_refused"), (failed.UserId, failed.FailReason));
    }

    [Fact]
    public void Options_InvalidApp_FailsValidation()
    {
        var validator = new WeComOptionsValidator();
        var o = new WeComOptions();
        o.Apps["main"] = new WeComAppOptions { CorpId = "", Token = "x", EncodingAesKey = "short" };
        o.ReplayWindowSeconds = 600;
        o.DeduplicationWindowSeconds = 900;
        o.CallbackGatherMilliseconds = 1001;
        var result = validator.Validate(null, o);
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("CorpId", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("Token", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("EncodingAesKey", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("twice", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("CallbackGatherMilliseconds must be 0..1000", StringComparison.Ordinal));
    }

    [Fact]
    public void Configuration_FromEnvironmentVariables_Binds()
    {
        const string prefix = "COSERVE_WECOM_TEST_";
        Environment.SetEnvironmentVariable(prefix + "WeCom__Apps__main__CorpId", "wwEnvCorp");
        Environment.SetEnvironmentVariable(prefix + "WeCom__Apps__main__Token", "EnvToken123");
        Environment.SetEnvironmentVariable(prefix + "WeCom__Apps__main__EncodingAesKey", WeComCryptoTests.KatAesKey);
        try
        {
            var config = new ConfigurationBuilder().AddEnvironmentVariables(prefix).Build();
            using var sp = new ServiceCollection().AddLogging().AddWeCom(config).BuildServiceProvider();
            var app = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<WeComOptions>>().Value.Apps["main"];
            Assert.Equal(("wwEnvCorp", "EnvToken123"), (app.CorpId, app.Token));
        }
        finally
        {
            Environment.SetEnvironmentVariable(prefix + "WeCom__Apps__main__CorpId", null);
            Environment.SetEnvironmentVariable(prefix + "WeCom__Apps__main__Token", null);
            Environment.SetEnvironmentVariable(prefix + "WeCom__Apps__main__EncodingAesKey", null);
        }
    }
}
