using System.Security.Cryptography;
using System.Text.Json;
using CoServe.Platform.Storage;
using Microsoft.Extensions.Options;

namespace CoServe.Platform.Crypto;

/// <summary>
/// Resolves the field-protection keys: configured keys win; otherwise (embedded default only) a key file
/// in the data directory is read or created once, readable by the owner only.
/// </summary>
public static class FieldKeyStore
{
    private sealed record KeyFile(string EncryptionKey, string BlindIndexKey);

    public static FieldProtector Create(IOptions<FieldProtectionOptions> options, IOptions<StorageOptions> storage, IOptions<DatabaseOptions> database)
    {
        var o = options.Value;
        if (!string.IsNullOrWhiteSpace(o.EncryptionKey) && !string.IsNullOrWhiteSpace(o.BlindIndexKey))
        {
            return new FieldProtector(Decode(o.EncryptionKey, "EncryptionKey"), Decode(o.BlindIndexKey, "BlindIndexKey"), (byte)o.KeyId);
        }
        if (!o.GenerateKeyFileWhenMissing || database.Value.Provider != DatabaseProvider.Sqlite)
        {
            throw new InvalidOperationException(
                $"{FieldProtectionOptions.Section}:EncryptionKey and :BlindIndexKey must be set (base64 of 32 bytes). " +
                "Only the embedded SQLite default may generate a key file.");
        }
        var path = Path.Combine(storage.Value.ResolveDataDirectory(), "field-keys.json");
        KeyFile keys;
        if (File.Exists(path))
        {
            keys = JsonSerializer.Deserialize<KeyFile>(File.ReadAllText(path))
                ?? throw new InvalidOperationException($"key file {path} is empty");
        }
        else
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            keys = new KeyFile(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
            var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var stream = new FileStream(path, fileOptions))
            {
                JsonSerializer.Serialize(stream, keys);
            }
        }
        return new FieldProtector(Decode(keys.EncryptionKey, "EncryptionKey"), Decode(keys.BlindIndexKey, "BlindIndexKey"), (byte)o.KeyId);
    }

    private static byte[] Decode(string base64, string name)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64.Trim());
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"{FieldProtectionOptions.Section}:{name} is not valid base64");
        }
        if (bytes.Length != 32) throw new InvalidOperationException($"{FieldProtectionOptions.Section}:{name} must decode to 32 bytes");
        return bytes;
    }
}
