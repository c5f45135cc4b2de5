using CoServe.Data;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Organization;

/// <summary>
/// A short-lived in-memory snapshot of staff and branch names for rendering lists; there are tens to
/// thousands of staff, never millions, so one query every few seconds serves every page.
/// </summary>
public sealed class StaffDirectory(IDbContextFactory<CoServeDb> dbFactory, TimeProvider clock) : IDisposable
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(15);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Snapshot? _snapshot;

    public sealed class Snapshot(IReadOnlyDictionary<int, StaffMember> staff, IReadOnlyDictionary<int, Branch> branches, DateTimeOffset loadedAt)
    {
        public DateTimeOffset LoadedAt { get; } = loadedAt;
        public IReadOnlyDictionary<int, StaffMember> Staff { get; } = staff;
        public IReadOnlyDictionary<int, Branch> Branches { get; } = branches;

        public string StaffName(int id) => Staff.TryGetValue(id, out var s) ? s.DisplayName : $"#{id}";

        public StaffRole? Role(int id) => Staff.TryGetValue(id, out var s) ? s.Role : null;

        /// <summary>Display name of a servicer; the pool (null) is the service officer.</summary>
        public string ServicerName(int? id) => id is { } i ? StaffName(i) : ServiceOfficerName;

        public string BranchName(int id) => Branches.TryGetValue(id, out var b) ? b.Name : $"#{id}";

        public string? BranchHotline(int id) => Branches.TryGetValue(id, out var b) ? b.Hotline : null;
    }

    /// <summary>Shown wherever the service officer pool appears as a servicer.</summary>
    public const string ServiceOfficerName = "服务官";

    public async Task<Snapshot> GetAsync(CancellationToken ct)
    {
        var current = _snapshot;
        if (current is not null && clock.GetUtcNow() - current.LoadedAt < MaxAge) return current;
        await _gate.WaitAsync(ct);
        try
        {
            current = _snapshot;
            if (current is not null && clock.GetUtcNow() - current.LoadedAt < MaxAge) return current;
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var staff = await db.Staff.AsNoTracking().ToDictionaryAsync(s => s.Id, ct);
            var branches = await db.Branches.AsNoTracking().ToDictionaryAsync(b => b.Id, ct);
            _snapshot = new Snapshot(staff, branches, clock.GetUtcNow());
            return _snapshot;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Drop the snapshot after staff or branches change.</summary>
    public void Invalidate() => _snapshot = null;

    public void Dispose() => _gate.Dispose();
}
