using System.ComponentModel.DataAnnotations;

namespace CoServe.Features.Demo;

/// <summary>Synthetic demo data. Never enable seeding against a production store.</summary>
public sealed class DemoOptions
{
    public const string Section = "Demo";

    /// <summary>Seed demo data when the app starts on an empty store (on in Development, off otherwise).</summary>
    public bool SeedWhenEmpty { get; set; }

    [Range(100, 2_000_000)]
    public int Clients { get; set; } = 20_000;

    /// <summary>Complete months of daily assets before the current one (the current month is filled up to yesterday).</summary>
    [Range(1, 24)]
    public int Months { get; set; } = 3;

    public int RandomSeed { get; set; } = 20_260_101;

    /// <summary>
    /// After seeding, send the scripted client messages of <see cref="DemoConversations"/> through the inbound path, so the
    /// service officer has answered and handed off something before anyone signs in.
    /// </summary>
    public bool Conversations { get; set; } = true;

    /// <summary>Password of every demo account; listed in the README, so only for demos.</summary>
    [MinLength(8)]
    public string Password { get; set; } = "coserve-demo";
}
