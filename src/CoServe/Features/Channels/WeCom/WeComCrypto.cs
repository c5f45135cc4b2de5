using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace CoServe.Features.Channels.WeCom;

/// <summary>Why a callback payload could not be decrypted; logged, never returned to the caller.</summary>
public enum WeComCryptoFailure
{
    None = 0,
    NotBase64 = 1,
    BadCiphertextLength = 2,
    BadPadding = 3,
    BadMessageLength = 4,
    WrongReceiveId = 5,
}

/// <summary>
/// WeCom's callback crypto (WXBizMsgCrypt): SHA1 msg_signature over the sorted token, timestamp, nonce and
/// ciphertext; AES-256-CBC with the IV taken from the key; PKCS#7 padding to 32-byte blocks, which .NET's
/// PKCS7 mode rejects (it only accepts pads up to the 16-byte AES block), so padding is handled here.
/// </summary>
public sealed class WeComCrypto
{
    private const int RandomPrefixBytes = 16;
    private const int LengthFieldBytes = 4;
    private const int PadBlockBytes = 32;

    /// <summary>
    /// This thread's AES instance and the crypto it was made for: one per callback (a new object with its key copied
    /// and a native key schedule) is avoided when a thread decrypts for the same app again, the usual case.
    /// </summary>
    [ThreadStatic]
    private static (WeComCrypto Owner, Aes Aes)? t_aes;

    private readonly string _token;
    private readonly byte[] _key;
    private readonly byte[] _iv;
    private readonly byte[] _receiveId;

    public WeComCrypto(string token, string encodingAesKey, string receiveId)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        ArgumentException.ThrowIfNullOrEmpty(receiveId);
        _token = token;
        _key = DecodeAesKey(encodingAesKey) ?? throw new ArgumentException("EncodingAESKey must be 43 base64 characters (32 bytes)", nameof(encodingAesKey));
        _iv = _key[..16];
        _receiveId = Encoding.UTF8.GetBytes(receiveId);
    }

    /// <summary>The 32-byte AES key of an EncodingAESKey, or null when it is not one.</summary>
    public static byte[]? DecodeAesKey(string? encodingAesKey)
    {
        if (encodingAesKey is null || encodingAesKey.Length != 43) return null;
        var key = new byte[33];
        return Convert.TryFromBase64String(encodingAesKey + "=", key, out var written) && written == 32 ? key[..32] : null;
    }

    /// <summary>lower-hex SHA1 of the ordinal-sorted concatenation of token, timestamp, nonce and the encrypted text.</summary>
    public string Sign(string timestamp, string nonce, string encrypted)
    {
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        ComputeSignature(timestamp, nonce, encrypted, hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>Checks msg_signature in constant time, so a forger learns nothing from response timing.</summary>
    public bool VerifySignature(string? signature, string timestamp, string nonce, string encrypted) =>
        VerifySignature(signature, timestamp, nonce, encrypted.AsSpan());

    /// <summary>The same, for ciphertext the caller holds as characters rather than a string.</summary>
    public bool VerifySignature(string? signature, string timestamp, string nonce, ReadOnlySpan<char> encrypted)
    {
        if (signature is null || signature.Length != SHA1.HashSizeInBytes * 2) return false;
        Span<byte> given = stackalloc byte[SHA1.HashSizeInBytes];
        if (Convert.FromHexString(signature, given, out _, out var written) != OperationStatus.Done || written != given.Length) return false;
        Span<byte> expected = stackalloc byte[SHA1.HashSizeInBytes];
        ComputeSignature(timestamp, nonce, encrypted, expected);
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }

    [SuppressMessage("Security", "CA5350", Justification = "WeCom's callback protocol defines msg_signature as SHA1; it is not our choice.")]
    private void ComputeSignature(ReadOnlySpan<char> timestamp, ReadOnlySpan<char> nonce, ReadOnlySpan<char> encrypted, Span<byte> hash)
    {
        // The four parts in ordinal order (as Array.Sort with StringComparer.Ordinal would put them), one after another
        // in a pooled buffer, as their concatenation would be, without building it.
        Span<int> order = [0, 1, 2, 3];
        for (var i = 1; i < order.Length; i++)
        {
            for (var j = i; j > 0 && Part(order[j - 1], _token, timestamp, nonce, encrypted).SequenceCompareTo(Part(order[j], _token, timestamp, nonce, encrypted)) > 0; j--)
            {
                (order[j - 1], order[j]) = (order[j], order[j - 1]);
            }
        }
        var max = Encoding.UTF8.GetMaxByteCount(_token.Length + timestamp.Length + nonce.Length + encrypted.Length);
        var rented = ArrayPool<byte>.Shared.Rent(max);
        try
        {
            var n = 0;
            foreach (var part in order) n += Encoding.UTF8.GetBytes(Part(part, _token, timestamp, nonce, encrypted), rented.AsSpan(n));
            SHA1.HashData(rented.AsSpan(0, n), hash);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static ReadOnlySpan<char> Part(int i, ReadOnlySpan<char> token, ReadOnlySpan<char> timestamp, ReadOnlySpan<char> nonce, ReadOnlySpan<char> encrypted) => i switch
    {
        0 => token,
        1 => timestamp,
        2 => nonce,
        _ => encrypted,
    };

    /// <summary>Encrypts a reply or callback message; the result is the base64 text for the Encrypt element.</summary>
    public string Encrypt(string message)
    {
        var body = Encoding.UTF8.GetBytes(message);
        var unpadded = RandomPrefixBytes + LengthFieldBytes + body.Length + _receiveId.Length;
        var pad = PadBlockBytes - (unpadded % PadBlockBytes);
        var plain = new byte[unpadded + pad];
        RandomNumberGenerator.Fill(plain.AsSpan(0, RandomPrefixBytes));
        BinaryPrimitives.WriteInt32BigEndian(plain.AsSpan(RandomPrefixBytes), body.Length);
        body.CopyTo(plain, RandomPrefixBytes + LengthFieldBytes);
        _receiveId.CopyTo(plain, RandomPrefixBytes + LengthFieldBytes + body.Length);
        plain.AsSpan(unpadded).Fill((byte)pad);
        using var aes = Aes.Create();
        aes.Key = _key;
        return Convert.ToBase64String(aes.EncryptCbc(plain, _iv, PaddingMode.None));
    }

    /// <summary>Decrypts the Encrypt element (or a URL-verification echostr) and checks the receive id.</summary>
    public WeComCryptoFailure TryDecrypt(string encrypted, out string message)
    {
        message = "";
        var buffer = ArrayPool<byte>.Shared.Rent(MaxDecryptedBytes(encrypted));
        try
        {
            var failure = TryDecrypt(encrypted, buffer, out var range);
            if (failure == WeComCryptoFailure.None) message = Encoding.UTF8.GetString(buffer.AsSpan(range));
            return failure;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>This thread's AES instance for this key; the one-shot CBC calls keep no state between calls.</summary>
    private Aes ThreadAes()
    {
        if (t_aes is { } cached && ReferenceEquals(cached.Owner, this)) return cached.Aes;
        t_aes?.Aes.Dispose();
        var aes = Aes.Create();
        aes.Key = _key;
        t_aes = (this, aes);
        return aes;
    }

    /// <summary>The size of buffer <see cref="TryDecrypt(string, Span{byte}, out Range)"/> needs for <paramref name="encrypted"/>.</summary>
    public static int MaxDecryptedBytes(string encrypted) => MaxDecryptedBytes(encrypted.Length);

    /// <summary>The same, for ciphertext of <paramref name="length"/> characters.</summary>
    public static int MaxDecryptedBytes(int length) => (length / 4 * 3) + 3;

    /// <summary>
    /// Decrypts into <paramref name="buffer"/> (at least <see cref="MaxDecryptedBytes(int)"/> long) and checks the receive id;
    /// <paramref name="message"/> is where the message's UTF-8 bytes are in it. For the callback endpoint, which parses
    /// the bytes as they are instead of decoding them to a string first.
    /// </summary>
    public WeComCryptoFailure TryDecrypt(string encrypted, Span<byte> buffer, out Range message) => TryDecrypt(encrypted.AsSpan(), buffer, out message);

    /// <summary>The same, for ciphertext the caller holds as characters rather than a string.</summary>
    public WeComCryptoFailure TryDecrypt(ReadOnlySpan<char> encrypted, Span<byte> buffer, out Range message)
    {
        message = default;
        var rented = ArrayPool<byte>.Shared.Rent(MaxDecryptedBytes(encrypted.Length));
        try
        {
            if (!Convert.TryFromBase64Chars(encrypted, rented, out var cipherLength)) return WeComCryptoFailure.NotBase64;
            // Ciphertext is whole 32-byte pad blocks; anything else was truncated or is not WeCom's.
            if (cipherLength == 0 || cipherLength % PadBlockBytes != 0) return WeComCryptoFailure.BadCiphertextLength;
            var plainLength = ThreadAes().DecryptCbc(rented.AsSpan(0, cipherLength), _iv, buffer, PaddingMode.None);
            var plain = buffer[..plainLength];
            var pad = plain[^1];
            if (pad is 0 or > PadBlockBytes) return WeComCryptoFailure.BadPadding;
            var content = plain[..^pad];
            if (plain[^pad..].ContainsAnyExcept(pad)) return WeComCryptoFailure.BadPadding;
            if (content.Length < RandomPrefixBytes + LengthFieldBytes) return WeComCryptoFailure.BadMessageLength;
            var length = BinaryPrimitives.ReadInt32BigEndian(content[RandomPrefixBytes..]);
            var start = RandomPrefixBytes + LengthFieldBytes;
            if (length < 0 || length > content.Length - start) return WeComCryptoFailure.BadMessageLength;
            if (!content[(start + length)..].SequenceEqual(_receiveId)) return WeComCryptoFailure.WrongReceiveId;
            message = start..(start + length);
            return WeComCryptoFailure.None;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
