using System.Runtime.CompilerServices;
using CoServe.Features.Clients;
using CoServe.Features.Conversations;
using CoServe.Features.ServiceOfficer;
using CoServe.Features.ServiceOfficer.Knowledge;

namespace CoServe.Tests.ServiceOfficer;

/// <summary>
/// The small fixture knowledge base written for these tests (Fixtures/), and one snapshot built from it shared by
/// the tests (building trains two small models; once is enough, and snapshots are immutable).
/// </summary>
internal static class OfficerFixtures
{
    public static string Directory { get; } = Path.Combine(Path.GetDirectoryName(SourceFile())!, "Fixtures");

    public static readonly DateOnly Today = new(2026, 12, 1);

    private static readonly Lazy<KnowledgeSnapshot> SharedSnapshot = new(() => KnowledgeSnapshot.Build(Load(), new ServiceOfficerOptions(), Today));

    public static KnowledgeSnapshot Snapshot => SharedSnapshot.Value;

    public static KnowledgeSet Load() => new SeedKnowledgeSource(Directory).Load();

    public static string File(string name) => Path.Combine(Directory, name);

    public static ServiceOfficerEngine Engine(ServiceOfficerOptions? options = null) =>
        new(options ?? new ServiceOfficerOptions(), TimeProvider.System, Snapshot);

    public static OfficerClientContext Client(SuitabilityLevel? level = SuitabilityLevel.C3, bool expired = false, bool professional = false,
        IReadOnlyDictionary<string, string>? facts = null) =>
        new("C000123", "王先生", "上海浦东营业部", "021-50001234", level, professional, expired, AllowsExternalModel: false,
            facts ?? new Dictionary<string, string>());

    public static OfficerRequest Ask(string text, OfficerClientContext? client = null, params OfficerTurn[] history) =>
        new(client ?? Client(), text, history, "test");

    public static OfficerTurn ClientSaid(string text) => new(OfficerTurnRole.Client, text, null, new DateTimeOffset(2026, 12, 1, 2, 0, 0, TimeSpan.Zero));

    public static OfficerTurn OfficerSaid(string text, string? entryId) => new(OfficerTurnRole.Officer, text, entryId, new DateTimeOffset(2026, 12, 1, 2, 0, 1, TimeSpan.Zero));

    public static OfficerDecision Respond(string text, OfficerClientContext? client = null, params OfficerTurn[] history) =>
        Engine().Respond(Snapshot, Ask(text, client, history));

    private static string SourceFile([CallerFilePath] string path = "") => path;
}
