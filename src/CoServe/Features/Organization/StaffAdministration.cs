using System.Security.Cryptography;
using System.Text.RegularExpressions;
using CoServe.Data;
using CoServe.Platform.Auth;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Organization;

/// <param name="Login">Sign-in name: 2 to 64 lower-case letters, digits, dots, dashes or underscores.</param>
/// <param name="DisplayName">The name colleagues and clients see.</param>
/// <param name="Role">The role, which decides what he sees and does.</param>
/// <param name="BranchCode">The branch (营业部) code; client managers and branch heads need one.</param>
/// <param name="WeComUserId">His WeCom user id, for notifications and transfers.</param>
public sealed record StaffAccountInput(string Login, string DisplayName, StaffRole Role, string? BranchCode, string? WeComUserId);

/// <summary>What a change of role or branch moved.</summary>
/// <param name="Login">The account.</param>
/// <param name="TicketsRerouted">Open handoffs of clients he no longer serves, now with a colleague.</param>
/// <param name="TicketsToTeamQueue">Those waiting in the team's queue.</param>
/// <param name="ConversationsReturned">Conversations he held without a handoff, back with the service officer.</param>
public sealed record StaffChangeReport(string Login, int TicketsRerouted, int TicketsToTeamQueue, int ConversationsReturned);

/// <summary>
/// Accounts over their working life: added with a one-time password, moved to another role or branch (调岗), password
/// reset. A change of role or branch takes effect at once (open sessions end at their next check,
/// <see cref="StaffSessionCheck"/>) and moves the open handoffs and conversations of clients he can no longer work on
/// (<see cref="StaffHandover"/>); the clients he serves stay his until a transfer plan moves them. Nobody changes his
/// own role, and the last administrator stays one.
/// </summary>
public sealed partial class StaffAdministration(
    CoServeDb db,
    StaffHandover handover,
    StaffDirectory directory,
    IPasswordHasher<StaffMember> hasher,
    TimeProvider clock,
    ILogger<StaffAdministration> logger)
{
    private const int PasswordLength = 12;

    [GeneratedRegex("^[a-z0-9._-]{2,64}$")]
    private static partial Regex LoginPattern();

    /// <summary>Adds an account and answers its one-time initial password, shown once to the administrator.</summary>
    public async Task<string> CreateAsync(StaffAccountInput input, CurrentStaff? actor, CancellationToken ct)
    {
        var login = (input.Login ?? "").Trim().ToLowerInvariant();
        if (!LoginPattern().IsMatch(login)) throw new ArgumentException("a login is 2 to 64 lower-case letters, digits, dots, dashes or underscores", nameof(input));
        if (await db.Staff.AnyAsync(s => s.Login == login, ct)) throw new ArgumentException($"login '{login}' is taken", nameof(input));
        var branchId = await BranchIdAsync(input.BranchCode, ct);
        await EnsureWeComIdFreeAsync(input.WeComUserId, null, ct);
        var member = new StaffMember(login, input.DisplayName ?? "", input.Role, branchId, input.WeComUserId);
        var password = NewPassword();
        member.SetPasswordHash(hasher.HashPassword(member, password));
        db.Staff.Add(member);
        await db.SaveChangesAsync(ct);
        directory.Invalidate();
        LogCreated(logger, member.Id, member.Role, actor?.Id);
        return password;
    }

    /// <summary>A new name, role, branch or WeCom id; what he can no longer work on moves to colleagues.</summary>
    public async Task<StaffChangeReport> ChangeAsync(string login, StaffAccountInput input, CurrentStaff? actor, CancellationToken ct)
    {
        var staff = await db.Staff.FindByLoginAsync(login, ct);
        var branchId = await BranchIdAsync(input.BranchCode, ct);
        var scopeChanges = staff.Role != input.Role || staff.BranchId != branchId;
        if (scopeChanges && actor?.Id == staff.Id) throw new ArgumentException("you cannot change your own role or branch", nameof(login));
        if (input.Role != StaffRole.Admin) await db.Staff.EnsureNotLastAdministratorAsync(staff, ct);
        await EnsureWeComIdFreeAsync(input.WeComUserId, staff.Id, ct);

        HandoverResult moved = HandoverResult.None;
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            staff.Change(input.DisplayName ?? "", input.Role, branchId);
            staff.WeComUserId = string.IsNullOrWhiteSpace(input.WeComUserId) ? null : input.WeComUserId.Trim();
            await db.SaveChangesAsync(ct); // the router reads his new role and branch from here on
            if (scopeChanges)
            {
                var stays = await ClientsHeKeepsAsync(CurrentStaff.From(staff), ct);
                moved = await handover.MoveAwayAsync(staff, stays, "原处理人已调岗", "assignee changed role or branch", clock.GetUtcNow(), ct);
                await db.SaveChangesAsync(ct);
            }
            await tx.CommitAsync(ct);
        }
        directory.Invalidate();
        await handover.PublishAsync(moved, ct);
        if (scopeChanges) LogChanged(logger, staff.Id, staff.Role, actor?.Id, moved.Tickets.Count, moved.ConversationsReturned);
        return new StaffChangeReport(staff.Login, moved.TicketsRerouted, moved.TicketsToTeamQueue, moved.ConversationsReturned);
    }

    /// <summary>A new one-time password for an account (he forgot his), shown once to the administrator.</summary>
    public async Task<string> ResetPasswordAsync(string login, CurrentStaff? actor, CancellationToken ct)
    {
        var staff = await db.Staff.FindByLoginAsync(login, ct);
        var password = NewPassword();
        staff.SetPasswordHash(hasher.HashPassword(staff, password));
        await db.SaveChangesAsync(ct);
        LogPasswordReset(logger, staff.Id, actor?.Id);
        return password;
    }

    /// <summary>
    /// The clients whose handoffs stay with him in his new role: those he may still see without counting the handoffs
    /// themselves (his book as a manager or advisor, his branch as its head, the service officer's clients for the
    /// digital team; an administrator any). Compliance reads only, so nothing stays.
    /// </summary>
    private async Task<IReadOnlySet<long>> ClientsHeKeepsAsync(CurrentStaff after, CancellationToken ct)
    {
        var open = db.Tickets.Where(t => t.AssigneeStaffId == after.Id && t.Status != Handoffs.TicketStatus.Resolved).Select(t => t.ClientId)
            .Concat(db.Conversations.Where(c => c.ControllerStaffId == after.Id).Select(c => c.ClientId));
        IQueryable<long> kept = after.Role switch
        {
            StaffRole.Admin => open,
            StaffRole.BranchHead => db.Clients.Where(c => c.BranchId == after.BranchId && open.Contains(c.Id)).Select(c => c.Id),
            StaffRole.DigitalOps => db.ClientServicers.Where(s => s.StaffId == null && open.Contains(s.ClientId)).Select(s => s.ClientId),
            StaffRole.ClientManager or StaffRole.Advisor => db.ClientServicers.Where(s => s.StaffId == after.Id && open.Contains(s.ClientId)).Select(s => s.ClientId),
            _ => db.Clients.Where(_ => false).Select(c => c.Id),
        };
        return (await kept.Distinct().ToListAsync(ct)).ToHashSet();
    }

    private async Task<int?> BranchIdAsync(string? code, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(code)) return null;
        var trimmed = code.Trim();
        return await db.Branches.Where(b => b.Code == trimmed).Select(b => (int?)b.Id).SingleOrDefaultAsync(ct)
            ?? throw new ArgumentException($"unknown branch '{trimmed}'", nameof(code));
    }

    private async Task EnsureWeComIdFreeAsync(string? weComUserId, int? self, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(weComUserId)) return;
        var id = weComUserId.Trim();
        if (await db.Staff.Where(s => s.WeComUserId == id && s.Id != self).Select(s => s.Login).FirstOrDefaultAsync(ct) is { } other)
        {
            throw new ArgumentException($"WeCom user id '{id}' belongs to '{other}'", nameof(weComUserId));
        }
    }

    /// <summary>12 characters from an alphabet without look-alikes (0/O, 1/l/I), from the system's secure generator.</summary>
    private static string NewPassword() => RandomNumberGenerator.GetString("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", PasswordLength);

    [LoggerMessage(Level = LogLevel.Information, Message = "Staff {StaffId} added as {Role} by {ActorId}")]
    private static partial void LogCreated(ILogger logger, int staffId, StaffRole role, int? actorId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Staff {StaffId} now {Role} (changed by {ActorId}): {Tickets} open handoffs routed again, {Returned} conversations back with the service officer")]
    private static partial void LogChanged(ILogger logger, int staffId, StaffRole role, int? actorId, int tickets, int returned);

    [LoggerMessage(Level = LogLevel.Information, Message = "Staff {StaffId} password reset by {ActorId}")]
    private static partial void LogPasswordReset(ILogger logger, int staffId, int? actorId);
}
