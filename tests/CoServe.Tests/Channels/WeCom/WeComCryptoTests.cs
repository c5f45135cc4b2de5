using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using CoServe.Features.Channels.WeCom;

namespace CoServe.Tests.Channels.WeCom;

public sealed class WeComCryptoTests
{
    // The official WXBizMsgCrypt example vector (DOMAIN.md).
    internal const string KatToken = "QDG6eK";
    internal const string KatAesKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
    internal const string KatReceiveId = "wx5823bf96d3bd56c7";
    internal const string KatTimestamp = "1409659589";
    internal const string KatNonce = "263014780";
    internal const string KatEchoStr = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==";
    internal const string KatSignature = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3";
    internal const string KatPlain = "1616140317555161061";

    private static WeComCrypto Kat() => new(KatToken, KatAesKey, KatReceiveId);

    [Fact]
    public void Sign_OfficialUrlVerificationVector_GivesOfficialSignature() =>
        Assert.Equal(KatSignature, Kat().Sign(KatTimestamp, KatNonce, KatEchoStr));

    [Theory]
    [InlineData("1409659589", "263014780", "P9nAzCzy+/=")]
    [InlineData("9", "10", "1")]
    [InlineData("", "", "")]
    [InlineData("QDG6eK", "QDG6eK", "QDG6eJ")]
    [InlineData("时间", "随机é", "Zz")]
    public void Signature_IsSha1OfThePartsSortedOrdinallyAndJoined(string timestamp, string nonce, string encrypted)
    {
        // The protocol's definition, written out the plain way.
        string[] parts = [KatToken, timestamp, nonce, encrypted];
        Array.Sort(parts, StringComparer.Ordinal);
#pragma warning disable CA5350 // WeCom's protocol is SHA1.
        var expected = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(string.Concat(parts))));
#pragma warning restore CA5350
        Assert.Equal(expected, Kat().Sign(timestamp, nonce, encrypted));
        Assert.True(Kat().VerifySignature(expected, timestamp, nonce, encrypted.AsSpan()));
    }

    [Fact]
    public void VerifySignature_OfficialVector_Accepts() =>
        Assert.True(Kat().VerifySignature(KatSignature, KatTimestamp, KatNonce, KatEchoStr));

    [Fact]
    public void TryDecrypt_OfficialEchoStr_GivesOfficialPlaintext()
    {
        Assert.Equal(WeComCryptoFailure.None, Kat().TryDecrypt(KatEchoStr, out var plain));
        Assert.Equal(KatPlain, plain);
    }

    [Theory]
    [InlineData("")]
    [InlineData("x")]
    [InlineData("<xml><Content><![CDATA[您好，我想问一下账户的事]]></Content></xml>")]
    [InlineData("0123456789")]
    [InlineData("0123456789012345678901234567890123456789012")]
    [InlineData("01234567890123456789012345678901234567890123456789012345678901234567890123")]
    public void Encrypt_ThenDecrypt_RoundTrips(string message)
    {
        var c = Kat();
        var encrypted = c.Encrypt(message);
        Assert.Equal(0, Convert.FromBase64String(encrypted).Length % 32);
        Assert.Equal(WeComCryptoFailure.None, c.TryDecrypt(encrypted, out var plain));
        Assert.Equal(message, plain);
    }

    [Fact]
    public void TryDecryptIntoBuffer_GivesTheMessagesUtf8BytesAndTheSameFailures()
    {
        var c = Kat();
        const string message = "<xml><Content><![CDATA[您好，我想问一下账户的事]]></Content></xml>";
        var encrypted = c.Encrypt(message);
        var buffer = new byte[WeComCrypto.MaxDecryptedBytes(encrypted)];
        Assert.Equal(WeComCryptoFailure.None, c.TryDecrypt(encrypted, buffer, out var range));
        Assert.Equal(Encoding.UTF8.GetBytes(message), buffer[range]);

        var wrongCorp = new WeComCrypto(KatToken, KatAesKey, "wxOtherCorp");
        Assert.Equal(WeComCryptoFailure.WrongReceiveId, wrongCorp.TryDecrypt(encrypted, buffer, out _));
        Assert.Equal(WeComCryptoFailure.NotBase64, c.TryDecrypt("not base64!", buffer, out _));
    }

    [Fact]
    public void Encrypt_MessageFillingWholeBlocks_AddsAFull32BytePad()
    {
        // 16 + 4 + len + 18 = 64 -> len 26: padding must be a whole block of 32 bytes of value 32.
        var c = Kat();
        var message = new string('a', 26);
        var encrypted = c.Encrypt(message);
        Assert.Equal(96, Convert.FromBase64String(encrypted).Length);
        Assert.Equal(WeComCryptoFailure.None, c.TryDecrypt(encrypted, out var plain));
        Assert.Equal(message, plain);
    }

    [Fact]
    public void Encrypt_SameMessageTwice_DiffersByRandomPrefix()
    {
        var c = Kat();
        Assert.NotEqual(c.Encrypt("same"), c.Encrypt("same"));
    }

    [Theory]
    [InlineData("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd4")]
    [InlineData("0000000000000000000000000000000000000000")]
    [InlineData("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd")]
    [InlineData("zz45ff5e21c57e6ad56bac8758b79b1d9ac89fd3")]
    [InlineData("")]
    public void VerifySignature_Tampered_Rejects(string signature) =>
        Assert.False(Kat().VerifySignature(signature, KatTimestamp, KatNonce, KatEchoStr));

    [Fact]
    public void VerifySignature_TamperedCiphertextOrTimestamp_Rejects()
    {
        Assert.False(Kat().VerifySignature(KatSignature, "1409659590", KatNonce, KatEchoStr));
        Assert.False(Kat().VerifySignature(KatSignature, KatTimestamp, KatNonce, "Q" + KatEchoStr[1..]));
    }

    [Fact]
    public void TryDecrypt_WrongAesKey_Fails()
    {
        var other = new WeComCrypto(KatToken, "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", KatReceiveId);
        Assert.NotEqual(WeComCryptoFailure.None, other.TryDecrypt(KatEchoStr, out var plain));
        Assert.Equal("", plain);
    }

    [Fact]
    public void TryDecrypt_TruncatedCiphertext_Fails()
    {
        var bytes = Convert.FromBase64String(Kat().Encrypt("<xml><Content>hello</Content></xml>"));
        Assert.Equal(WeComCryptoFailure.BadCiphertextLength, Kat().TryDecrypt(Convert.ToBase64String(bytes[..^16]), out _));
        Assert.Equal(WeComCryptoFailure.BadCiphertextLength, Kat().TryDecrypt(Convert.ToBase64String(bytes[..^5]), out _));
        Assert.NotEqual(WeComCryptoFailure.None, Kat().TryDecrypt(Convert.ToBase64String(bytes[..32]), out _));
        Assert.Equal(WeComCryptoFailure.BadCiphertextLength, Kat().TryDecrypt("", out _));
        Assert.Equal(WeComCryptoFailure.NotBase64, Kat().TryDecrypt("not base64!", out _));
    }

    [Fact]
    public void TryDecrypt_WrongReceiveId_Fails()
    {
        var other = new WeComCrypto(KatToken, KatAesKey, "wwsomeothercorp");
        Assert.Equal(WeComCryptoFailure.WrongReceiveId, other.TryDecrypt(KatEchoStr, out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(33)]
    [InlineData(255)]
    public void TryDecrypt_PadOutOfRange_Fails(byte pad)
    {
        var plain = Plaintext("hello", KatReceiveId, totalLength: 64);
        plain[^1] = pad;
        Assert.Equal(WeComCryptoFailure.BadPadding, Kat().TryDecrypt(EncryptRaw(plain), out _));
    }

    [Fact]
    public void TryDecrypt_InconsistentPadBytes_Fails()
    {
        var plain = Plaintext("hello", KatReceiveId, totalLength: 64);
        plain[^2] ^= 0x01;
        Assert.Equal(WeComCryptoFailure.BadPadding, Kat().TryDecrypt(EncryptRaw(plain), out _));
    }

    [Fact]
    public void TryDecrypt_LengthFieldBeyondContent_Fails()
    {
        var plain = Plaintext("hello", KatReceiveId, totalLength: 64);
        BinaryPrimitives.WriteInt32BigEndian(plain.AsSpan(16), 1000);
        Assert.Equal(WeComCryptoFailure.BadMessageLength, Kat().TryDecrypt(EncryptRaw(plain), out _));
    }

    [Fact]
    public void Constructor_BadEncodingAesKey_Throws()
    {
        Assert.Throws<ArgumentException>(() => new WeComCrypto(KatToken, "tooshort", KatReceiveId));
        Assert.Null(WeComCrypto.DecodeAesKey("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"));
    }

    /// <summary>16 random bytes + length + message + receive id, PKCS#7-padded to <paramref name="totalLength"/>.</summary>
    private static byte[] Plaintext(string message, string receiveId, int totalLength)
    {
        var body = Encoding.UTF8.GetBytes(message);
        var id = Encoding.UTF8.GetBytes(receiveId);
        var plain = new byte[totalLength];
        BinaryPrimitives.WriteInt32BigEndian(plain.AsSpan(16), body.Length);
        body.CopyTo(plain, 20);
        id.CopyTo(plain, 20 + body.Length);
        var pad = totalLength - 20 - body.Length - id.Length;
        plain.AsSpan(totalLength - pad).Fill((byte)pad);
        return plain;
    }

    private static string EncryptRaw(byte[] plain)
    {
        var key = WeComCrypto.DecodeAesKey(KatAesKey)!;
        using var aes = Aes.Create();
        aes.Key = key;
        return Convert.ToBase64String(aes.EncryptCbc(plain, key[..16], PaddingMode.None));
    }
}
