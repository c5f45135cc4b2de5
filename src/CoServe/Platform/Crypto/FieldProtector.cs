using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace CoServe.Platform.Crypto;

/// <summary>Which personal field a value belongs to; blind indexes of different fields never collide.</summary>
public enum ProtectedField
{
    Name = 1,
    Mobile = 2,
    IdNumber = 3,
    /// <summary>Message text, notes, handoff summaries: what clients and staff wrote.</summary>
    MessageText = 4,
}

/// <summary>
/// Encrypts personal fields with AES-256-GCM and computes keyed blind indexes (HMAC-SHA256, 16 bytes)
/// so exact values can be searched without storing them in clear (PIPL: sensitive personal information).
/// Ciphertext layout: version(1) | key id(1) | nonce(12) | tag(16) | ciphertext.
/// </summary>
public sealed class FieldProtector
{
    private const byte Version = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int HeaderSize = 2 + NonceSize + TagSize;

    private readonly byte[] _encryptionKey;
    private readonly byte[] _indexKey;
    private readonly byte _keyId;

    public FieldProtector(byte[] encryptionKey, byte[] indexKey, byte keyId = 1)
    {
        if (encryptionKey.Length != 32) throw new ArgumentException("encryption key must be 32 bytes", nameof(encryptionKey));
        if (indexKey.Length != 32) throw new ArgumentException("blind index key must be 32 bytes", nameof(indexKey));
        _encryptionKey = encryptionKey;
        _indexKey = indexKey;
        _keyId = keyId;
    }

    public byte[] Encrypt(ProtectedField field, string plaintext)
    {
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[HeaderSize + plain.Length];
        output[0] = Version;
        output[1] = _keyId;
        var nonce = output.AsSpan(2, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_encryptionKey, TagSize);
        aes.Encrypt(nonce, plain, output.AsSpan(HeaderSize), output.AsSpan(2 + NonceSize, TagSize), AssociatedData(field));
        return output;
    }

    public string Decrypt(ProtectedField field, byte[] ciphertext)
    {
        if (ciphertext.Length < HeaderSize || ciphertext[0] != Version)
        {
            throw new CryptographicException("protected field has an unknown format");
        }
        if (ciphertext[1] != _keyId)
        {
            throw new CryptographicException($"protected field was written with key {ciphertext[1]}, configured key is {_keyId}");
        }
        var plain = new byte[ciphertext.Length - HeaderSize];
        using var aes = new AesGcm(_encryptionKey, TagSize);
        aes.Decrypt(ciphertext.AsSpan(2, NonceSize), ciphertext.AsSpan(HeaderSize), ciphertext.AsSpan(2 + NonceSize, TagSize), plain, AssociatedData(field));
        return Encoding.UTF8.GetString(plain);
    }

    public string? DecryptOrNull(ProtectedField field, byte[]? ciphertext) => ciphertext is null ? null : Decrypt(field, ciphertext);

    /// <summary>Blind index of the normalised value; equal values give equal indexes, nothing else can be read back.</summary>
    public byte[] BlindIndex(ProtectedField field, string value)
    {
        var normalised = PersonalDataFormat.Normalise(field, value);
        var input = new byte[4 + Encoding.UTF8.GetMaxByteCount(normalised.Length)];
        BinaryPrimitives.WriteInt32BigEndian(input, (int)field);
        var length = 4 + Encoding.UTF8.GetBytes(normalised, input.AsSpan(4));
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_indexKey, input.AsSpan(0, length), mac);
        return mac[..16].ToArray();
    }

    private static byte[] AssociatedData(ProtectedField field) => [(byte)field];
}
