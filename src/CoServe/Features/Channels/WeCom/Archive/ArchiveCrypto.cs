using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CoServe.Features.Channels.WeCom.Archive;

/// <summary>
/// The enterprise's RSA private keys by publickey_ver. WeCom encrypts each record's random key with the public
/// key of the version the admin console shows as current (RSA, PKCS#1 v1.5); CoServe decrypts it here and hands
/// the random key to the source's DecryptData.
/// </summary>
public sealed class ArchiveKeyRing : IDisposable
{
    private readonly Dictionary<int, RSA> _keys;

    private ArchiveKeyRing(Dictionary<int, RSA> keys)
    {
        _keys = keys;
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (version, rsa) in keys.OrderBy(k => k.Key))
        {
            sha.AppendData(BitConverter.GetBytes(version));
            sha.AppendData(rsa.ExportSubjectPublicKeyInfo());
        }
        Fingerprint = Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>
    /// Identifies this set of keys (versions and public halves, nothing secret): a quarantined record last tried
    /// with another fingerprint is retried, so installing or replacing a key reads again what failed before.
    /// </summary>
    public string Fingerprint { get; }

    /// <summary>
    /// The ring of <paramref name="app"/>'s configured keys, or null with <paramref name="errors"/> naming every version
    /// that does not load and why (never the key itself): a ring is whole or not at all.
    /// </summary>
    public static ArchiveKeyRing? TryLoad(string app, ArchiveAppOptions configured, out IReadOnlyList<string> errors)
    {
        var keys = new Dictionary<int, RSA>();
        var problems = new List<string>();
        errors = problems;
        if (configured.PrivateKeys.Count == 0) problems.Add($"WeCom:Archive:Apps:{app}:PrivateKeys needs at least one key (by publickey_ver)");
        foreach (var (version, key) in configured.PrivateKeys)
        {
            var at = $"WeCom:Archive:Apps:{app}:PrivateKeys:{version}";
            if (!int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var v)) problems.Add($"{at}: the key version must be a number (publickey_ver)");
            else if (Import(key, out var problem) is { } rsa) keys[v] = rsa;
            else problems.Add($"{at}: {problem}");
        }
        if (problems.Count == 0) return new ArchiveKeyRing(keys);
        foreach (var rsa in keys.Values) rsa.Dispose();
        return null;
    }

    /// <summary>What is wrong with a configured key (PEM text or file path), or null; never echoes the key.</summary>
    public static string? Describe(string key)
    {
        Import(key, out var problem)?.Dispose();
        return problem;
    }

    private static RSA? Import(string key, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(key)) problem = "empty";
        else if (!key.Contains("-----BEGIN", StringComparison.Ordinal) && !File.Exists(key)) problem = "neither a PEM key nor the path of an existing file";
        if (problem is not null) return null;
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(key.Contains("-----BEGIN", StringComparison.Ordinal) ? key : File.ReadAllText(key));
            // A public key imports too, but cannot decrypt.
            rsa.ExportParameters(includePrivateParameters: true);
            return rsa;
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            problem = "not an RSA private key in PEM (PKCS#1 or PKCS#8)";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = "the key file could not be read";
        }
        rsa.Dispose();
        return null;
    }

    public bool Has(int version) => _keys.ContainsKey(version);

    /// <summary>The key versions held, e.g. "1,2" (for logs and status; nothing secret).</summary>
    public string Versions => string.Join(',', _keys.Keys.Order());

    /// <summary>The record's random key, or null when it does not decrypt with this version's key.</summary>
    public string? DecryptRandomKey(int version, string encryptRandomKey)
    {
        if (!_keys.TryGetValue(version, out var rsa)) return null;
        try
        {
            var plain = rsa.Decrypt(Convert.FromBase64String(encryptRandomKey), RSAEncryptionPadding.Pkcs1);
            return Encoding.UTF8.GetString(plain);
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        foreach (var rsa in _keys.Values) rsa.Dispose();
    }
}

/// <summary>
/// The simulator's stand-in for the SDK's message encryption. WeCom's DecryptData is opaque (inside the native
/// SDK, undocumented), so the simulator uses its own documented convention: the random key is 32 ASCII characters
/// and the message is base64(nonce[12] || ciphertext || tag[16]) under AES-256-GCM with the key's bytes. Only the
/// simulator and <see cref="SimulatorArchiveSource"/> use it; with the real SDK, DecryptData does this step.
/// </summary>
public static class SimulatorArchiveCipher
{
    public static string NewRandomKey() => RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 32);

    public static string Encrypt(string randomKey, string plaintext)
    {
        var key = KeyBytes(randomKey) ?? throw new ArgumentException("the random key must be 32 ASCII characters", nameof(randomKey));
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[12 + plain.Length + 16];
        RandomNumberGenerator.Fill(output.AsSpan(0, 12));
        using var aes = new AesGcm(key, 16);
        aes.Encrypt(output.AsSpan(0, 12), plain, output.AsSpan(12, plain.Length), output.AsSpan(12 + plain.Length));
        return Convert.ToBase64String(output);
    }

    /// <summary>The plaintext, or null when the key is not a simulator key or the ciphertext is corrupt.</summary>
    public static string? Decrypt(string randomKey, string encryptChatMsg)
    {
        if (KeyBytes(randomKey) is not { } key) return null;
        byte[] data;
        try
        {
            data = Convert.FromBase64String(encryptChatMsg);
        }
        catch (FormatException)
        {
            return null;
        }
        if (data.Length < 28) return null;
        var plain = new byte[data.Length - 28];
        try
        {
            using var aes = new AesGcm(key, 16);
            aes.Decrypt(data.AsSpan(0, 12), data.AsSpan(12, plain.Length), data.AsSpan(12 + plain.Length), plain);
            return Encoding.UTF8.GetString(plain);
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }

    private static byte[]? KeyBytes(string randomKey) =>
        randomKey.Length == 32 && randomKey.All(char.IsAscii) ? Encoding.ASCII.GetBytes(randomKey) : null;
}
