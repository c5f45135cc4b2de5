using System.Globalization;
using CoServe.Platform.Crypto;

namespace CoServe.Features.Demo;

/// <summary>
/// Generates plausible but synthetic personal data: common surnames with random given names, mobile numbers
/// in valid formats, resident-ID-shaped numbers with a correct check digit. Nothing here is a real person.
/// </summary>
internal sealed class SyntheticPeople(Random random)
{
    private static readonly string[] Surnames =
        ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗",
         "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡",
         "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金",
         "石", "廖", "贾", "夏", "韦", "付", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "闫", "段", "雷", "侯",
         "欧阳", "司马", "上官"];

    private static readonly string GivenChars =
        "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国建华志强志明海燕晓东晓红" +
        "俊宇子涵梓萱浩然一诺欣怡宇轩雨桐思远文博嘉怡佳琪博文天佑若曦沐阳晨阳诗涵梦琪雅静瑞霖安琪子轩浩宇欣然" +
        "立新卫东学军秋菊春梅冬梅德华国庆建平永刚振华宏伟金凤玉兰秀珍淑华丽娟亚楠晓丽晓燕婷婷鑫磊";

    private static readonly string[] MobilePrefixes =
        ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156", "157", "158", "159",
         "166", "170", "176", "177", "180", "181", "182", "183", "185", "186", "187", "188", "189", "191", "198", "199"];

    private static readonly string[] RegionCodes = ["110101", "110105", "310101", "310115", "440304", "440305", "330106", "320102", "510104", "420106"];

    public string Name()
    {
        var surname = Surnames[random.Next(Surnames.Length)];
        var givenLength = random.NextDouble() < 0.7 ? 2 : 1;
        var given = new char[givenLength];
        for (var i = 0; i < givenLength; i++) given[i] = GivenChars[random.Next(GivenChars.Length)];
        return surname + new string(given);
    }

    public string Mobile() =>
        MobilePrefixes[random.Next(MobilePrefixes.Length)] + random.Next(0, 100_000_000).ToString("D8", CultureInfo.InvariantCulture);

    public string ResidentId()
    {
        var birth = new DateOnly(1950, 1, 1).AddDays(random.Next(0, 365 * 53));
        var first17 = RegionCodes[random.Next(RegionCodes.Length)]
            + birth.ToString("yyyyMMdd", CultureInfo.InvariantCulture)
            + random.Next(0, 1000).ToString("D3", CultureInfo.InvariantCulture);
        return first17 + PersonalDataFormat.ResidentIdCheckDigit(first17);
    }

    public string WeComExternalUserId()
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        var chars = new char[24];
        for (var i = 0; i < chars.Length; i++) chars[i] = alphabet[random.Next(alphabet.Length)];
        return "wm" + new string(chars);
    }
}
