using System.ComponentModel.DataAnnotations;

namespace CoServe.Platform.Crypto;

/// <summary>
/// Keys for personal data at rest. Production sets them from a secret store; the embedded default
/// generates a key file in the data directory on first start.
/// </summary>
public sealed class FieldProtectionOptions
{
    public const string Section = "Security:FieldProtection";

    /// <summary>Base64 of 32 random bytes: AES-256-GCM key for encrypted fields.</summary>
    public string? EncryptionKey { get; set; }

    /// <summary>Base64 of 32 random bytes: HMAC-SHA256 key for blind indexes (exact-match search).</summary>
    public string? BlindIndexKey { get; set; }

    /// <summary>Generate and keep keys in the data directory when none are configured (embedded default only).</summary>
    public bool GenerateKeyFileWhenMissing { get; set; } = true;

    [Range(1, 255)]
    public int KeyId { get; set; } = 1;
}
