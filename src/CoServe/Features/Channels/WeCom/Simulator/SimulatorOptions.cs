namespace CoServe.Features.Channels.WeCom.Simulator;

/// <summary>
/// Settings of the local WeCom simulator (tests and the demo). The defaults pair with the demo's
/// WeCom:Apps:main configuration; none of them is a real credential.
/// </summary>
public sealed class SimulatorOptions
{
    public string CorpId { get; set; } = "wwc0se7ves1m000001";
    public string Secret { get; set; } = "coserve-sim-secret";
    public string Token { get; set; } = "CoServeSim2026";
    public string EncodingAesKey { get; set; } = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    public string AgentId { get; set; } = "1000002";
    public string OpenKfId { get; set; } = "wkCoServeServiceOfficer";

    /// <summary>The 会话内容存档 secret the archive's GetChatData expects with the corp id.</summary>
    public string ArchiveSecret { get; set; } = "coserve-sim-archive-secret";

    /// <summary>CoServe's callback URL, e.g. http://127.0.0.1:5080/api/wecom/callback/main; null = no callbacks.</summary>
    public string? CallbackUrl { get; set; }

    /// <summary>Staff members (cm0001...) each with <see cref="ContactsPerUser"/> generated external contacts.</summary>
    public int StaffUsers { get; set; } = 10;
    public int ContactsPerUser { get; set; }

    /// <summary>Calls per minute per API path, like WeCom's per-interface frequency limit (45009 above it).</summary>
    public int RateLimitPerMinute { get; set; } = 10_000;

    public int TokenLifetimeSeconds { get; set; } = 7200;

    /// <summary>The admin's group message cap per customer.</summary>
    public GroupMessageCapMode GroupMessageCap { get; set; } = GroupMessageCapMode.DaysInMonthPerMonth;
}

/// <summary>The simulator's controllable clock: real time plus an offset tests move forward (24 h takeovers, token expiry).</summary>
public sealed class SimulatorClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}

/// <summary>
/// Error codes the simulator answers with. Global codes are WeCom's documented ones; the 95xxx 微信客服
/// codes are the simulator's reading of the kf docs and may differ in detail from the real server.
/// </summary>
public static class SimulatorErrors
{
    public const int InvalidSecret = 40001;
    public const int InvalidUserId = 40003;
    public const int InvalidCorpId = 40013;
    public const int InvalidAccessToken = 40014;
    public const int InvalidParameter = 40058;
    public const int InvalidExternalUserId = 40096;
    public const int UserNotResigned = 40097;
    public const int TransferTooFrequent = 40128;
    public const int TransferInProgress = 40129;
    public const int TransferSameUser = 40130;
    public const int MissingAccessToken = 41001;
    public const int AccessTokenExpired = 42001;
    public const int ApiFrequencyLimit = 45009;
    public const int InvalidAgentId = 40056;
    public const int AllRecipientsInvalid = 81013;
    public const int InvalidOpenKfId = 95000;
    public const int SendNotAllowed = 95001;
    public const int InvalidSyncToken = 95007;
    public const int StateTransitionNotAllowed = 95016;
}
