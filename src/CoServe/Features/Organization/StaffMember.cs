using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.Organization;

public enum StaffRole
{
    /// <summary>客户经理: owns client relationships and keeps commission, AML and complaint duties.</summary>
    ClientManager = 1,
    /// <summary>投资顾问: the only role that may give investment advice.</summary>
    Advisor = 2,
    /// <summary>数智部: the digital team behind the service officer.</summary>
    DigitalOps = 3,
    /// <summary>合规: reads everything, changes nothing outside its own workflows.</summary>
    Compliance = 4,
    /// <summary>营业部负责人: sees and decides for one branch.</summary>
    BranchHead = 5,
    Admin = 6,
}

/// <summary>A staff account: who may sign in, with which role and branch.</summary>
public sealed class StaffMember
{
    private StaffMember()
    {
    }

    public StaffMember(string login, string displayName, StaffRole role, int? branchId, string? weComUserId = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(login);
        Login = login.Trim().ToLowerInvariant();
        Change(displayName, role, branchId);
        WeComUserId = string.IsNullOrWhiteSpace(weComUserId) ? null : weComUserId.Trim();
        IsActive = true;
    }

    public int Id { get; private set; }
    public string Login { get; private set; } = "";
    public string DisplayName { get; private set; } = "";
    public StaffRole Role { get; private set; }
    public int? BranchId { get; private set; }
    public Branch? Branch { get; private set; }
    public string? WeComUserId { get; set; }
    public string? PasswordHash { get; private set; }
    public bool IsActive { get; private set; }

    /// <summary>How many clients this person can serve as primary servicer (transfers respect it); null = no limit.</summary>
    public int? ClientCapacity { get; set; }

    public void SetPasswordHash(string hash) => PasswordHash = hash;

    /// <summary>A new name, role or branch (调岗): client managers and branch heads belong to a branch, Compliance and the digital team to none.</summary>
    public void Change(string displayName, StaffRole role, int? branchId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(displayName);
        if (!Enum.IsDefined(role)) throw new ArgumentException("unknown role", nameof(role));
        if (role is StaffRole.ClientManager or StaffRole.BranchHead && branchId is null)
        {
            throw new ArgumentException($"a {role} belongs to a branch", nameof(branchId));
        }
        DisplayName = displayName.Trim();
        Role = role;
        BranchId = branchId;
    }

    public void Deactivate() => IsActive = false;

    public void Activate() => IsActive = true;
}

/// <summary>Account lookups the administration use cases share.</summary>
internal static class StaffAccounts
{
    /// <summary>The account with this login (any case, spaces trimmed), or an error that names it.</summary>
    public static async Task<StaffMember> FindByLoginAsync(this DbSet<StaffMember> staff, string login, CancellationToken ct)
    {
        var normalised = (login ?? "").Trim().ToLowerInvariant();
        return await staff.SingleOrDefaultAsync(s => s.Login == normalised, ct)
            ?? throw new ArgumentException($"no staff account with login '{login}'", nameof(login));
    }

    /// <summary>The active staff of one role (a notification's recipients: the desk, the administrators, a ladder rung).</summary>
    public static Task<List<int>> ActiveInRoleAsync(this IQueryable<StaffMember> staff, StaffRole role, CancellationToken ct) =>
        staff.Where(s => s.IsActive && s.Role == role).Select(s => s.Id).ToListAsync(ct);

    /// <summary>Refuses to take the last active administrator away (deactivated or given another role): nobody could manage accounts after.</summary>
    public static async Task EnsureNotLastAdministratorAsync(this DbSet<StaffMember> staff, StaffMember member, CancellationToken ct)
    {
        if (member.IsActive && member.Role == StaffRole.Admin && !await staff.AnyAsync(s => s.Id != member.Id && s.IsActive && s.Role == StaffRole.Admin, ct))
        {
            throw new ArgumentException($"'{member.Login}' is the last active administrator; make another administrator first", nameof(member));
        }
    }
}

internal sealed class StaffMemberConfiguration : IEntityTypeConfiguration<StaffMember>
{
    public void Configure(EntityTypeBuilder<StaffMember> b)
    {
        b.ToTable("Staff");
        b.Property(x => x.Login).HasMaxLength(64);
        b.Property(x => x.DisplayName).HasMaxLength(64);
        b.Property(x => x.WeComUserId).HasMaxLength(64);
        b.Property(x => x.PasswordHash).HasMaxLength(256);
        b.Property(x => x.Role).HasConversion<string>().HasMaxLength(20);
        b.HasIndex(x => x.Login).IsUnique();
        b.HasIndex(x => x.WeComUserId).IsUnique();
        b.HasOne(x => x.Branch).WithMany().HasForeignKey(x => x.BranchId).OnDelete(DeleteBehavior.Restrict);
    }
}
