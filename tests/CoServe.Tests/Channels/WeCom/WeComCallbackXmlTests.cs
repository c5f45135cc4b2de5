using System.Text;
using CoServe.Features.Channels.WeCom;

namespace CoServe.Tests.Channels.WeCom;

/// <summary>
/// The callback endpoint's XML reading: the fast reader for WeCom's plain shape must give exactly what the hardened
/// XmlReader gives (the same fields, the same refusals), and leave to the reader whatever it cannot be sure of.
/// </summary>
public sealed class WeComCallbackXmlTests
{
    private const int Max = 4096;

    private const string Message = "<xml><ToUserName><![CDATA[ww1234]]></ToUserName><FromUserName><![CDATA[wmClient]]></FromUserName>"
        + "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[请问我的账户今天可以转账吗？]]></Content>"
        + "<MsgId>8000000000000000001</MsgId><AgentID>1000002</AgentID></xml>";

    /// <summary>The endpoint's answer, after checking it is the reader's answer too.</summary>
    private static Dictionary<string, string>? Read(string xml, int max = Max) => Read(Encoding.UTF8.GetBytes(xml), max);

    private static Dictionary<string, string>? Read(byte[] xml, int max = Max)
    {
        var fast = WeComCallbackXml.ReadFields(xml, max);
        using var stream = new MemoryStream(xml);
        var reader = WeComCallbackXml.ReadFields(stream, max);
        if (reader is null)
        {
            Assert.Null(fast);
        }
        else
        {
            Assert.NotNull(fast);
            Assert.Equal(reader.OrderBy(f => f.Key, StringComparer.Ordinal), fast.OrderBy(f => f.Key, StringComparer.Ordinal));
        }
        return fast;
    }

    [Fact]
    public void WeComsMessage_IsReadWithoutTheReader_AndGivesEveryField()
    {
        Assert.NotNull(WeComCallbackXml.ReadPlain(Encoding.UTF8.GetBytes(Message), Max));
        var f = Read(Message)!;
        Assert.Equal(7, f.Count);
        Assert.Equal("wmClient", f["FromUserName"]);
        Assert.Equal("1700000000", f["CreateTime"]);
        Assert.Equal("请问我的账户今天可以转账吗？", f["Content"]);
        Assert.Equal("1000002", f["AgentID"]);
    }

    [Fact]
    public void Envelope_WithNewlinesAndIndentationBetweenFields_IsReadWithoutTheReader()
    {
        var xml = "<xml>\n  <ToUserName><![CDATA[ww1234]]></ToUserName>\n\t<Encrypt><![CDATA[abc+/=]]></Encrypt>\n  <AgentID><![CDATA[1]]></AgentID>\n</xml>\n";
        Assert.NotNull(WeComCallbackXml.ReadPlain(Encoding.UTF8.GetBytes(xml), Max));
        Assert.Equal("abc+/=", Read(xml)!["Encrypt"]);
    }

    [Theory]
    [InlineData("<xml><Content><![CDATA[<xml><MsgType>event</MsgType></xml>]]></Content></xml>", "<xml><MsgType>event</MsgType></xml>")]
    [InlineData("<xml><Content><![CDATA[a &amp; b &#65; &xxe;]]></Content></xml>", "a &amp; b &#65; &xxe;")]
    [InlineData("<xml><Content><![CDATA[a]]]]><![CDATA[>b]]></Content></xml>", "a]]>b")]
    [InlineData("<xml><Content><![CDATA[]]></Content></xml>", "")]
    [InlineData("<xml><Content><![CDATA[ ]]></Content></xml>", " ")]
    [InlineData("<xml><Content><![CDATA[line1\nline2]]></Content></xml>", "line1\nline2")]
    [InlineData("<xml><Content> padded text </Content></xml>", " padded text ")]
    [InlineData("<xml><Content></Content></xml>", "")]
    [InlineData("<xml><Content/></xml>", "")]
    [InlineData("<xml><Content>a > b</Content></xml>", "a > b")]
    public void Cdata_AndPlainText_AreTakenLiterally(string xml, string content) => Assert.Equal(content, Read(xml)!["Content"]);

    [Theory]
    [InlineData("<xml><Content>fish &amp; chips &lt;3 &gt; &quot;q&quot; &apos;a&apos;</Content></xml>", "fish & chips <3 > \"q\" 'a'")]
    [InlineData("<xml><Content>&#x4E2D;&#25991;</Content></xml>", "中文")]
    [InlineData("<xml><Content>a<![CDATA[b]]>c</Content></xml>", "abc")]
    [InlineData("<xml><Content>a\r\nb\rc</Content></xml>", "a\nb\nc")]
    [InlineData("<xml><Content><![CDATA[a\r\nb]]></Content></xml>", "a\nb")]
    [InlineData("<xml><Content>a<!-- note -->b</Content></xml>", "ab")]
    [InlineData("<?xml version=\"1.0\" encoding=\"UTF-8\"?><xml><Content>x</Content></xml>", "x")]
    [InlineData("<xml><Content lang=\"zh\">x</Content></xml>", "x")]
    [InlineData("<xml><Content >x</Content ></xml>", "x")]
    [InlineData("\uFEFF<xml><Content>x</Content></xml>", "x")]
    public void EntitiesAndOtherXml_AreLeftToTheReader_AndReadAsBefore(string xml, string content)
    {
        Assert.Null(WeComCallbackXml.ReadPlain(Encoding.UTF8.GetBytes(xml), Max));
        Assert.Equal(content, Read(xml)!["Content"]);
    }

    [Fact]
    public void WhitespaceOnlyText_IsReadAsTheReaderReadsIt()
    {
        Assert.Null(WeComCallbackXml.ReadPlain("<xml><Content>  \n </Content></xml>"u8, Max));
        Read("<xml><Content>  \n </Content></xml>");
        Read("<xml><Content> <![CDATA[x]]> </Content></xml>");
    }

    [Fact]
    public void UnknownFields_AreKept()
    {
        var f = Read("<xml><MsgType>event</MsgType><Event>change_external_contact</Event><SomethingNew>1</SomethingNew><Ext-Field.2><![CDATA[v]]></Ext-Field.2></xml>")!;
        Assert.Equal("1", f["SomethingNew"]);
        Assert.Equal("v", f["Ext-Field.2"]);
    }

    [Theory]
    [InlineData("<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><xml><Encrypt>&xxe;</Encrypt></xml>")]
    [InlineData("<!DOCTYPE xml><xml><Encrypt>a</Encrypt></xml>")]
    [InlineData("<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]><xml><Encrypt>&lol1;</Encrypt></xml>")]
    [InlineData("<xml><Encrypt>&undefined;</Encrypt></xml>")]
    [InlineData("<xml><Encrypt>a & b</Encrypt></xml>")]
    [InlineData("<xml><Encrypt><Nested>x</Nested></Encrypt></xml>")]
    [InlineData("<xml><Encrypt><![CDATA[x]]><Nested/></Encrypt></xml>")]
    [InlineData("<xml><Encrypt>abc</Encrypt>")]
    [InlineData("<xml><Encrypt>abc</Encrypt></xml")]
    [InlineData("<xml><Encrypt>abc</Encrypted></xml>")]
    [InlineData("<xml><Encrypt><![CDATA[abc</Encrypt></xml>")]
    [InlineData("<xml><Encrypt>a]]>b</Encrypt></xml>")]
    [InlineData("<xml><Encrypt>a</Encrypt>stray text<AgentID>1</AgentID></xml>")]
    [InlineData("<xml><Encrypt>a</Encrypt><Encrypt>b</Encrypt></xml>")]
    [InlineData("<xml><Encrypt>\u0001</Encrypt></xml>")]
    [InlineData("<xml><Encrypt><![CDATA[\u0008]]></Encrypt></xml>")]
    [InlineData("<xml><Encrypt>\uFFFF</Encrypt></xml>")]
    [InlineData("<xml><1Encrypt>a</1Encrypt></xml>")]
    [InlineData("<xml><p:Encrypt>a</p:Encrypt></xml>")]
    [InlineData("not xml at all")]
    [InlineData("")]
    [InlineData("<other><Encrypt>abc</Encrypt></other>")]
    public void DtdsEntitiesAndMalformedXml_AreRefused(string xml) => Assert.Null(Read(xml));

    [Fact]
    public void ContentAfterTheRoot_IsLeftToTheReader_WhichNeverLooksAtIt()
    {
        // As before: the reader stops at the root's end tag, so what follows it is not judged.
        Assert.Null(WeComCallbackXml.ReadPlain("<xml><Encrypt>a</Encrypt></xml><xml/>"u8, Max));
        Assert.Equal("a", Read("<xml><Encrypt>a</Encrypt></xml><xml/>")!["Encrypt"]);
        Assert.Equal("a", Read("<xml><Encrypt>a</Encrypt></xml>\n")!["Encrypt"]);
    }

    [Theory]
    [InlineData("<xml><ToUserName><![CDATA[c]]></ToUserName><Encrypt><![CDATA[abc+/=]]></Encrypt></xml>", "Found", "abc+/=")]
    [InlineData("<xml><Encrypt>abc</Encrypt></xml>", "Found", "abc")]
    [InlineData("<xml><Encrypt/></xml>", "Found", "")]
    [InlineData("<xml><ToUserName>c</ToUserName></xml>", "Absent", null)]
    [InlineData("<xml><Encrypt><![CDATA[ab]]><![CDATA[c]]></Encrypt></xml>", "Undecided", null)]
    [InlineData("<xml><Encrypt>a&amp;b</Encrypt></xml>", "Undecided", null)]
    [InlineData("<xml><Encrypt>a</Encrypt><Encrypt>b</Encrypt></xml>", "Undecided", null)]
    [InlineData("<!DOCTYPE xml><xml><Encrypt>a</Encrypt></xml>", "Undecided", null)]
    public void FindPlainField_GivesTheCiphertextsBytes_OnlyWhenThePlainReaderTakesTheDocument(string xml, string expected, string? value)
    {
        var bytes = Encoding.UTF8.GetBytes(xml);
        var found = WeComCallbackXml.FindPlainField(bytes, Max, "Encrypt"u8, out var range);
        Assert.Equal(expected, found.ToString());
        if (value is not null) Assert.Equal(value, Encoding.UTF8.GetString(bytes.AsSpan(range)));
        // Whatever it says agrees with the reader's fields.
        var fields = Read(bytes);
        if (found == PlainField.Found) Assert.Equal(value, fields!["Encrypt"]);
        if (found == PlainField.Absent) Assert.False(fields!.ContainsKey("Encrypt"));
    }

    [Fact]
    public void InvalidUtf8_IsRefused()
    {
        byte[] xml = [.. "<xml><Content><![CDATA["u8, 0xC3, 0x28, .. "]]></Content></xml>"u8];
        Assert.Null(WeComCallbackXml.ReadPlain(xml, Max));
        Assert.Null(Read(xml));
    }

    [Fact]
    public void SixtyFourFieldsAreRead_SixtyFiveAreRefused()
    {
        static string Fields(int n) => "<xml>" + string.Concat(Enumerable.Range(0, n).Select(i => $"<F{i}>{i}</F{i}>")) + "</xml>";
        Assert.Equal(64, Read(Fields(64))!.Count);
        Assert.Null(Read(Fields(65)));
    }

    [Fact]
    public void EmptyRoot_GivesNoFields()
    {
        Assert.Empty(Read("<xml/>")!);
        Assert.Empty(Read("<xml></xml>")!);
    }

    [Fact]
    public void ADocumentLongerThanTheCap_IsRefused()
    {
        var xml = "<xml><Content><![CDATA[" + new string('a', 300) + "]]></Content></xml>";
        Assert.NotNull(Read(xml, max: 400));
        Assert.Null(Read(xml, max: 200));
    }

    /// <summary>
    /// WeCom's message with pieces of markup, entities, line ends and odd characters spliced in at random places (a fixed
    /// seed): whatever the reader makes of each, the endpoint makes the same.
    /// </summary>
    [Fact]
    public void SplicedMessages_AreReadExactlyAsTheReaderReadsThem()
    {
        string[] pieces =
        [
            "<", ">", "/", "&", "&amp;", "&#65;", "&bad;", "]]>", "<![CDATA[", "]]", "\r", "\r\n", "\n", " ", "\t", "\u0001", "\0",
            "é", "中", "\uFFFF", "<!-- c -->", "<?pi x?>", "<x/>", "<Content>", "</Content>", "<!DOCTYPE xml>", "\"", "=", ":", "xml",
        ];
        var random = new Random(20261127);
        var accepted = 0;
        for (var i = 0; i < 5000; i++)
        {
            var xml = Message;
            for (var edits = random.Next(1, 4); edits > 0; edits--)
            {
                var at = random.Next(xml.Length + 1);
                xml = random.Next(4) == 0 && at < xml.Length
                    ? xml.Remove(at, 1)
                    : xml.Insert(at, pieces[random.Next(pieces.Length)]);
            }
            if (Read(xml) is not null) accepted++;
        }
        // Both kinds of answer were compared, not only refusals.
        Assert.InRange(accepted, 100, 4900);
    }
}
