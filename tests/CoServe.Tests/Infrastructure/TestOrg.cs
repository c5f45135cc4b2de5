using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Features.Organization;
using CoServe.Platform.Auth;
using CoServe.Platform.Crypto;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Tests.Infrastructure;

/// <summary>
/// A small brokerage every test can create for itself: two branches, client managers in each, a branch head,
/// an advisor, the digital team, compliance and an admin. Passwords are set only when a test signs in.
/// </summary>
public sealed class TestOrg
{
    public const string Password = "test-password-1";

    public required Branch North { get; init; }
    public required Branch South { get; init; }
    public required StaffMember Cm1 { get; init; }
    public required StaffMember Cm2 { get; init; }
    public required StaffMember Cm3 { get; init; }
    public required StaffMember Head { get; init; }
    public required StaffMember Advisor { get; init; }
    public required StaffMember Ops { get; init; }
    public required StaffMember Compliance { get; init; }
    public required StaffMember Admin { get; init; }

    public static CurrentStaff As(StaffMember s) => CurrentStaff.From(s);

    public static async Task<TestOrg> CreateAsync(CoServeDb db, bool withPasswords = false)
    {
        var north = new Branch("N01", "北区营业部", "400-000-0101");
        var south = new Branch("S01", "南区营业部", "400-000-0202");
        db.Branches.AddRange(north, south);
        await db.SaveChangesAsync();
        StaffMember S(string login, StaffRole role, Branch? b) => new(login, "员工" + login, role, b?.Id, "wx_" + login);
        var org = new TestOrg
        {
            North = north,
            South = south,
            Cm1 = S("cm1", StaffRole.ClientManager, north),
            Cm2 = S("cm2", StaffRole.ClientManager, north),
            Cm3 = S("cm3", StaffRole.ClientManager, south),
            Head = S("head", StaffRole.BranchHead, north),
            Advisor = S("adv", StaffRole.Advisor, north),
            Ops = S("ops", StaffRole.DigitalOps, null),
            Compliance = S("compliance", StaffRole.Compliance, null),
            Admin = S("admin", StaffRole.Admin, null),
        };
        var all = new[] { org.Cm1, org.Cm2, org.Cm3, org.Head, org.Advisor, org.Ops, org.Compliance, org.Admin };
        if (withPasswords)
        {
            var hasher = new PasswordHasher<StaffMember>();
            foreach (var s in all) s.SetPasswordHash(hasher.HashPassword(s, Password));
        }
        db.Staff.AddRange(all);
        await db.SaveChangesAsync();
        return org;
    }

    /// <summary>Adds a client served by <paramref name="primary"/> (null = the service officer pool) with optional co-servicers.</summary>
    public static async Task<Client> AddClientAsync(
        CoServeDb db,
        FieldProtector protector,
        string clientNo,
        Branch branch,
        StaffMember? primary,
        DateTimeOffset now,
        string name = "张三",
        string mobile = "13800000001",
        string idNumber = "110101199003070011",
        params (StaffMember Staff, DutyScope Duties)[] coServicers)
    {
        var c = new Client(clientNo, now);
        c.SetName(protector, name);
        c.SetMobile(protector, mobile);
        c.SetIdNumber(protector, idNumber);
        c.BranchId = branch.Id;
        c.AmlRiskLevel = AmlRiskLevel.Low;
        c.SuitabilityLevel = SuitabilityLevel.C3;
        c.MarkComplete();
        c.AssignPrimary(primary?.Id, primary is null ? DutyScopes.ServiceOfficer : DutyScopes.PrimaryManager, now);
        foreach (var (staff, duties) in coServicers) c.SetCoServicer(staff.Id, duties, now);
        c.SetConsent(ConsentPurpose.ServiceMessages, true, "test", now);
        db.Clients.Add(c);
        await db.SaveChangesAsync();
        return c;
    }

    public static Task<bool> ExistsAsync(CoServeDb db, string clientNo) => db.Clients.AnyAsync(c => c.ClientNo == clientNo);
}
