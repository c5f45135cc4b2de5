using CoServe.Features.Conversations;
using CoServe.Features.ServiceOfficer.Llm;

namespace CoServe.Tests.Features.ServiceOfficer;

/// <summary>The redactor on synthetic Chinese texts: nothing personal survives, placeholders are stable, only names and amounts come back.</summary>
public sealed class LlmRedactorTests
{
    private static OfficerClientContext Client(string salutation = "王先生", IReadOnlyDictionary<string, string>? facts = null) =>
        new("C000123", salutation, "上海浦东营业部", "021-50001234", null, false, false, true, facts ?? new Dictionary<string, string>());

    private static string Redact(string text, OfficerClientContext? client = null) => PersonalDataRedactor.For(client ?? Client()).Redact(text);

    [Theory]
    [InlineData("我的手机是13812345678", "13812345678")]
    [InlineData("手机 138 1234 5678 收不到验证码", "138 1234 5678")]
    [InlineData("电话138-1234-5678", "138-1234-5678")]
    [InlineData("请打给+86 139 0000 1111", "139 0000 1111")]
    [InlineData("0086-15900001111是我的号", "15900001111")]
    [InlineData("号码是１３９１２３４５６７８", "１３９１２３４５６７８")]
    [InlineData("我换号了，新号18600001234。", "18600001234")]
    [InlineData("1 3 8 1 2 3 4 5 6 7 8 这个号", "1 3 8 1 2 3 4 5 6 7 8")]
    public void Redact_Mobiles(string text, string mobile)
    {
        var r = Redact(text);
        Assert.Contains("<MOBILE_1>", r, StringComparison.Ordinal);
        Assert.DoesNotContain(mobile, r, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"\d{4}", r);
    }

    [Theory]
    [InlineData("身份证号110101199003071234")]
    [InlineData("身份证号11010119900307123X")]
    [InlineData("身份证号11010119900307123x，过期了")]
    [InlineData("证件号 110101 19900307 123X")]
    [InlineData("证件号110101-1990-0307-123X")]
    [InlineData("我的身份证是４４０３０５２００００１０１００２Ｘ")]
    [InlineData("老身份证号码110101900307123")]
    public void Redact_IdNumbers(string text)
    {
        var r = Redact(text);
        Assert.Matches("<(ID|ACCOUNT)_1>", r);
        Assert.DoesNotMatch(@"\d{4}", r);
        Assert.DoesNotContain("X", r.Replace("<", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("银行卡6222021234567890123转不进钱")]
    [InlineData("卡号 6222 0212 3456 7890")]
    [InlineData("卡号6222-0212-3456-7890-123")]
    [InlineData("尾号不对，完整的是6217 0000 1111 2222 333")]
    [InlineData("用622848 0012345678901绑定的")]
    [InlineData("卡6222021234567890有问题")]
    public void Redact_BankCards(string text)
    {
        var r = Redact(text);
        Assert.Contains("<CARD_1>", r, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"\d{4}", r);
    }

    [Theory]
    [InlineData("资金账号是 880012345 登不上", "880012345")]
    [InlineData("我的资金账号:12345678", "12345678")]
    [InlineData("股东账号A123456789怎么查", "A123456789")]
    [InlineData("客户号C000123的佣金", "C000123")]
    [InlineData("账号31000099887", "31000099887")]
    public void Redact_AccountNumbers(string text, string account)
    {
        var r = Redact(text);
        Assert.Contains("<ACCOUNT_1>", r, StringComparison.Ordinal);
        Assert.DoesNotContain(account, r, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("发到zhang.san@example.com", "zhang.san@example.com")]
    [InlineData("邮箱 wang_1990@test.cn 收不到对账单", "wang_1990@test.cn")]
    public void Redact_Emails(string text, string email)
    {
        var r = Redact(text);
        Assert.Contains("<EMAIL_1>", r, StringComparison.Ordinal);
        Assert.DoesNotContain(email, r, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("我叫张伟，想开户", "张伟")]
    [InlineData("我的名字是欧阳娜娜。", "欧阳娜娜")]
    [InlineData("姓名：李小龙 手机丢了", "李小龙")]
    [InlineData("我姓赵，想问问销户", "赵")]
    [InlineData("王先生要问逆回购", "王先生")]
    public void Redact_Names(string text, string name)
    {
        var r = Redact(text);
        Assert.Contains("<NAME_", r, StringComparison.Ordinal);
        Assert.DoesNotContain(name, r, StringComparison.Ordinal);
    }

    [Fact]
    public void Redact_NamesFromTheClientRecord()
    {
        var client = Client("陈女士", new Dictionary<string, string> { ["name"] = "陈晓红", ["total_assets"] = "356,800.25" });
        var r = PersonalDataRedactor.For(client).Redact("陈晓红的账户里有356,800.25，晓红想问陈女士能不能开两融");
        Assert.DoesNotContain("陈晓红", r, StringComparison.Ordinal);
        Assert.DoesNotContain("晓红", r, StringComparison.Ordinal);
        Assert.DoesNotContain("陈女士", r, StringComparison.Ordinal);
        Assert.DoesNotContain("356,800.25", r, StringComparison.Ordinal);
        Assert.Contains("<AMOUNT_1>", r, StringComparison.Ordinal);
        Assert.Contains("开两融", r, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("我有35万能开两融吗", "35万")]
    [InlineData("账户里50w够不够", "50w")]
    [InlineData("转了 120000 元进来", "120000 元")]
    [InlineData("卖了￥8,500.50的股票", "￥8,500.50")]
    [InlineData("三十万可以开科创板吗", "三十万")]
    [InlineData("亏了两千元", "两千元")]
    public void Redact_Amounts(string text, string amount)
    {
        var r = Redact(text);
        Assert.Contains("<AMOUNT_1>", r, StringComparison.Ordinal);
        Assert.DoesNotContain(amount, r, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("国债逆回购在哪里买？")]
    [InlineData("600519现在能买吗")]
    [InlineData("A股是T+1吗，9:30开盘吗")]
    [InlineData("佣金能降到万一吗，千万别骗我")]
    [InlineData("手续费是十万分之一吗")]
    public void Redact_LeavesOrdinaryQuestionsAlone(string text)
    {
        Assert.Equal(text, Redact(text, Client("")));
    }

    [Fact]
    public void Redact_SameValueSamePlaceholderAcrossTexts()
    {
        var r = PersonalDataRedactor.For(Client());
        var a = r.Redact("我的手机13812345678");
        var b = r.Redact("还是138-1234-5678，另一个是13900001111");
        Assert.Contains("<MOBILE_1>", a, StringComparison.Ordinal);
        Assert.Contains("<MOBILE_1>", b, StringComparison.Ordinal);
        Assert.Contains("<MOBILE_2>", b, StringComparison.Ordinal);
        Assert.Equal(2, r.Count);
    }

    [Fact]
    public void Restore_NamesAndAmountsComeBack_IdentifiersAreRefused()
    {
        var r = PersonalDataRedactor.For(Client());
        var sent = r.Redact("王先生问：我有35万，手机13812345678，卡号6222021234567890123");
        Assert.DoesNotContain("13812345678", sent, StringComparison.Ordinal);

        var back = r.Restore("<NAME_1>您好，<AMOUNT_1>可以办理。", out var refused);
        Assert.Equal("王先生您好，35万可以办理。", back);
        Assert.Empty(refused);

        r.Restore("已为您登记<MOBILE_1>和< card_1 >，<ACCOUNT_9>", out refused);
        Assert.Equal(["<MOBILE_1>", "<CARD_1>", "<ACCOUNT_9>"], refused);
    }
}
