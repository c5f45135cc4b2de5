using System.Security.Cryptography;
using CoServe.Platform.Crypto;

namespace CoServe.Tests.Platform;

public class FieldProtectorTests
{
    private static FieldProtector Protector(byte seed = 1) =>
        new(Enumerable.Repeat(seed, 32).ToArray(), Enumerable.Repeat((byte)(seed + 1), 32).ToArray());

    [Fact]
    public void EncryptDecrypt_RoundTrips_AndCiphertextIsRandomised()
    {
        var p = Protector();
        var a = p.Encrypt(ProtectedField.Name, "欧阳娜娜");
        var b = p.Encrypt(ProtectedField.Name, "欧阳娜娜");
        Assert.NotEqual(a, b);
        Assert.Equal("欧阳娜娜", p.Decrypt(ProtectedField.Name, a));
    }

    [Fact]
    public void Decrypt_TamperedCiphertext_Throws()
    {
        var p = Protector();
        var c = p.Encrypt(ProtectedField.Mobile, "13800138000");
        c[^1] ^= 1;
        Assert.ThrowsAny<CryptographicException>(() => p.Decrypt(ProtectedField.Mobile, c));
    }

    [Fact]
    public void Decrypt_AsAnotherField_Throws()
    {
        var p = Protector();
        var c = p.Encrypt(ProtectedField.Mobile, "13800138000");
        Assert.ThrowsAny<CryptographicException>(() => p.Decrypt(ProtectedField.IdNumber, c));
    }

    [Fact]
    public void BlindIndex_EqualAfterNormalisation_DifferentPerFieldAndKey()
    {
        var p = Protector();
        Assert.Equal(p.BlindIndex(ProtectedField.Mobile, "138 0013 8000"), p.BlindIndex(ProtectedField.Mobile, "+86 13800138000"));
        Assert.Equal(p.BlindIndex(ProtectedField.IdNumber, "11010119900307001x"), p.BlindIndex(ProtectedField.IdNumber, "11010119900307001X"));
        Assert.NotEqual(p.BlindIndex(ProtectedField.Mobile, "13800138000"), p.BlindIndex(ProtectedField.IdNumber, "13800138000"));
        Assert.NotEqual(p.BlindIndex(ProtectedField.Mobile, "13800138000"), Protector(9).BlindIndex(ProtectedField.Mobile, "13800138000"));
        Assert.Equal(16, p.BlindIndex(ProtectedField.Name, "张三").Length);
    }

    [Theory]
    [InlineData("张三", "张*")]
    [InlineData("欧阳娜娜", "欧**娜")]
    [InlineData("李", "*")]
    public void MaskName(string name, string masked) => Assert.Equal(masked, PersonalDataFormat.MaskName(name));

    [Fact]
    public void MaskMobileAndId()
    {
        Assert.Equal("138****8000", PersonalDataFormat.MaskMobile("13800138000"));
        Assert.Equal("1101**********001X", PersonalDataFormat.MaskIdNumber("11010119900307001X"));
    }

    [Theory]
    [InlineData("110101199003070011", true)]
    [InlineData("11010119900307001X", false)]
    [InlineData("E12345678", true)]
    [InlineData("12-34", false)]
    public void IdNumber_CheckDigitValidated(string id, bool valid) => Assert.Equal(valid, PersonalDataFormat.IsValidIdNumber(id, out _));

    [Theory]
    [InlineData("13800138000", true)]
    [InlineData("+86 138-0013-8000", true)]
    [InlineData("12800138000", false)]
    [InlineData("1380013800", false)]
    public void Mobile_Validated(string mobile, bool valid) => Assert.Equal(valid, PersonalDataFormat.IsValidMobile(mobile));
}
