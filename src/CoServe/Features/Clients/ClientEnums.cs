namespace CoServe.Features.Clients;

/// <summary>Investor suitability category (适当性): C1 (includes the lowest category) to C5.</summary>
public enum SuitabilityLevel
{
    C1 = 1,
    C2 = 2,
    C3 = 3,
    C4 = 4,
    C5 = 5,
}

/// <summary>Anti-money-laundering client risk level (反洗钱风险等级).</summary>
public enum AmlRiskLevel
{
    Low = 1,
    Medium = 2,
    High = 3,
}

/// <summary>Duties a servicer holds for a client; routing of handoffs and tickets follows them.</summary>
[Flags]
public enum DutyScope
{
    None = 0,
    /// <summary>调佣</summary>
    Commission = 1,
    /// <summary>反洗钱</summary>
    Aml = 2,
    /// <summary>投诉</summary>
    Complaint = 4,
    /// <summary>投资建议: only a registered advisor.</summary>
    Advice = 8,
    /// <summary>日常服务</summary>
    Service = 16,
}

/// <summary>Purposes a client consents to (PIPL: separate consent per purpose).</summary>
public enum ConsentPurpose
{
    /// <summary>Service messages about the client's own account.</summary>
    ServiceMessages = 1,
    /// <summary>Marketing and product messages.</summary>
    Marketing = 2,
    /// <summary>Personalised (profile-based) push; without it only non-personalised content is sent.</summary>
    PersonalisedPush = 3,
    /// <summary>Sending redacted conversation text to an external model processor.</summary>
    ExternalModelProcessing = 4,
    /// <summary>WeCom conversation archive (会话存档).</summary>
    ConversationArchive = 5,
}

public static class DutyScopes
{
    /// <summary>The duties a client manager keeps after a client moves to the service officer.</summary>
    public const DutyScope KeptByManager = DutyScope.Commission | DutyScope.Aml | DutyScope.Complaint;

    public const DutyScope PrimaryManager = DutyScope.Service | KeptByManager;

    public const DutyScope ServiceOfficer = DutyScope.Service;

    public static IEnumerable<DutyScope> Each(DutyScope scopes) =>
        Enum.GetValues<DutyScope>().Where(d => d != DutyScope.None && scopes.HasFlag(d));
}
