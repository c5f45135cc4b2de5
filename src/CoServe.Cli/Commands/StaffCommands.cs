using System.CommandLine;
using CoServe.Data;
using CoServe.Features.Organization;
using CoServe.Features.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CoServe.Cli.Commands;

internal static class StaffCommands
{
    public static Command Create()
    {
        var staff = new Command("staff", "Staff accounts");

        var login = new Option<string>("--login") { Description = "Sign-in name", Required = true };
        var name = new Option<string>("--name") { Description = "Display name", Required = true };
        var role = new Option<StaffRole>("--role") { Description = "ClientManager, Advisor, DigitalOps, Compliance, BranchHead or Admin", Required = true };
        var branch = new Option<string?>("--branch") { Description = "Branch code (client managers and branch heads)" };
        var wecom = new Option<string?>("--wecom-userid") { Description = "WeCom user id" };
        var add = new Command("add", "Add a staff account; set its password with staff set-password");
        foreach (var o in new Option[] { login, name, role, branch, wecom }) add.Options.Add(o);
        add.SetAction((parse, ct) => CliHost.RunAsync(parse, async sp =>
        {
            var db = sp.GetRequiredService<CoServeDb>();
            int? branchId = null;
            if (parse.GetValue(branch) is { } code)
            {
                branchId = await db.Branches.Where(b => b.Code == code).Select(b => (int?)b.Id).SingleOrDefaultAsync(ct)
                    ?? throw new ArgumentException($"unknown branch '{code}'");
            }
            var l = parse.GetValue(login)!.Trim().ToLowerInvariant();
            if (await db.Staff.AnyAsync(s => s.Login == l, ct)) throw new ArgumentException($"login '{l}' is taken");
            var member = new StaffMember(l, parse.GetValue(name)!, parse.GetValue(role), branchId, parse.GetValue(wecom));
            db.Staff.Add(member);
            await db.SaveChangesAsync(ct);
            Console.WriteLine($"staff {member.Id} {member.Login} ({member.Role}) added");
            return 0;
        }, ct));

        var pwLogin = new Option<string>("--login") { Description = "Sign-in name", Required = true };
        var setPassword = new Command("set-password", "Set a password, read from standard input (one line)");
        setPassword.Options.Add(pwLogin);
        setPassword.SetAction((parse, ct) => CliHost.RunAsync(parse, async sp =>
        {
            var password = Console.In.ReadLine() ?? "";
            await sp.GetRequiredService<SignIn>().SetPasswordAsync(parse.GetValue(pwLogin)!, password, ct);
            Console.WriteLine("password set");
            return 0;
        }, ct));

        var list = new Command("list", "List staff accounts");
        list.SetAction((parse, ct) => CliHost.RunAsync(parse, async sp =>
        {
            var db = sp.GetRequiredService<CoServeDb>();
            var rows = await db.Staff.AsNoTracking().Include(s => s.Branch).OrderBy(s => s.Login).ToListAsync(ct);
            foreach (var s in rows) Console.WriteLine($"{s.Id}\t{s.Login}\t{s.Role}\t{s.Branch?.Code ?? "-"}\t{(s.IsActive ? "active" : "inactive")}");
            return 0;
        }, ct));

        var offLogin = new Option<string>("--login") { Description = "Sign-in name", Required = true };
        var deactivate = new Command("deactivate", "Deactivate an account (someone leaves): sign-in and API tokens stop, open sessions end, open handoffs are routed to colleagues");
        deactivate.Options.Add(offLogin);
        deactivate.SetAction((parse, ct) => CliHost.RunAsync(parse, async sp =>
        {
            var r = await sp.GetRequiredService<StaffOffboarding>().DeactivateAsync(parse.GetValue(offLogin)!, null, ct);
            Console.WriteLine(r.WasActive ? $"staff {r.Login} deactivated" : $"staff {r.Login} was already inactive");
            Console.WriteLine($"open handoffs routed to a colleague: {r.TicketsRerouted}; waiting in the team's queue: {r.TicketsToTeamQueue}");
            Console.WriteLine($"conversations he held without a handoff, back with the service officer: {r.ConversationsReturned}");
            if (r.ClientsAsPrimary + r.ClientsAsCoServicer > 0)
            {
                Console.WriteLine($"clients still naming him: {r.ClientsAsPrimary} as primary servicer, {r.ClientsAsCoServicer} keeping duties; move them with a transfer plan (until then their duty handoffs go to the branch's managers)");
            }
            return 0;
        }, ct));

        var onLogin = new Option<string>("--login") { Description = "Sign-in name", Required = true };
        var activate = new Command("activate", "Activate a deactivated account again (what was routed away stays where it went)");
        activate.Options.Add(onLogin);
        activate.SetAction((parse, ct) => CliHost.RunAsync(parse, async sp =>
        {
            await sp.GetRequiredService<StaffOffboarding>().ActivateAsync(parse.GetValue(onLogin)!, null, ct);
            Console.WriteLine("staff activated");
            return 0;
        }, ct));

        var chLogin = new Option<string>("--login") { Description = "Sign-in name", Required = true };
        var chName = new Option<string?>("--name") { Description = "New display name" };
        var chRole = new Option<StaffRole?>("--role") { Description = "New role: ClientManager, Advisor, DigitalOps, Compliance, BranchHead or Admin" };
        var chBranch = new Option<string?>("--branch") { Description = "New branch code ('-' for none)" };
        var chWeCom = new Option<string?>("--wecom-userid") { Description = "New WeCom user id ('-' for none)" };
        var change = new Command("change", "Change an account's name, role, branch or WeCom id (调岗); open handoffs of clients he can no longer work on move to colleagues");
        foreach (var o in new Option[] { chLogin, chName, chRole, chBranch, chWeCom }) change.Options.Add(o);
        change.SetAction((parse, ct) => CliHost.RunAsync(parse, async sp =>
        {
            var db = sp.GetRequiredService<CoServeDb>();
            var l = parse.GetValue(chLogin)!.Trim().ToLowerInvariant();
            var current = await db.Staff.AsNoTracking().Include(s => s.Branch).SingleOrDefaultAsync(s => s.Login == l, ct)
                ?? throw new ArgumentException($"no staff account with login '{l}'");
            static string? Or(string? given, string? current) => given is null ? current : given == "-" ? null : given;
            var input = new StaffAccountInput(l, parse.GetValue(chName) ?? current.DisplayName, parse.GetValue(chRole) ?? current.Role,
                Or(parse.GetValue(chBranch), current.Branch?.Code), Or(parse.GetValue(chWeCom), current.WeComUserId));
            var r = await sp.GetRequiredService<StaffAdministration>().ChangeAsync(l, input, null, ct);
            Console.WriteLine($"staff {r.Login} is now {input.Role}{(input.BranchCode is null ? "" : " at " + input.BranchCode)}");
            Console.WriteLine($"open handoffs of clients he can no longer work on: {r.TicketsRerouted} to a colleague, {r.TicketsToTeamQueue} to the team's queue; conversations back with the service officer: {r.ConversationsReturned}");
            return 0;
        }, ct));

        staff.Subcommands.Add(add);
        staff.Subcommands.Add(change);
        staff.Subcommands.Add(setPassword);
        staff.Subcommands.Add(list);
        staff.Subcommands.Add(deactivate);
        staff.Subcommands.Add(activate);
        return staff;
    }

    public static Command CreateBranches()
    {
        var branches = new Command("branches", "Branches (营业部)");
        var code = new Option<string>("--code") { Description = "Branch code", Required = true };
        var name = new Option<string>("--name") { Description = "Branch name", Required = true };
        var hotline = new Option<string?>("--hotline") { Description = "Service hotline clients are given" };
        var add = new Command("add", "Add a branch");
        add.Options.Add(code);
        add.Options.Add(name);
        add.Options.Add(hotline);
        add.SetAction((parse, ct) => CliHost.RunAsync(parse, async sp =>
        {
            var db = sp.GetRequiredService<CoServeDb>();
            var c = parse.GetValue(code)!.Trim();
            if (await db.Branches.AnyAsync(b => b.Code == c, ct)) throw new ArgumentException($"branch '{c}' exists");
            db.Branches.Add(new Branch(c, parse.GetValue(name)!, parse.GetValue(hotline)));
            await db.SaveChangesAsync(ct);
            Console.WriteLine($"branch {c} added");
            return 0;
        }, ct));
        var list = new Command("list", "List branches");
        list.SetAction((parse, ct) => CliHost.RunAsync(parse, async sp =>
        {
            foreach (var b in await sp.GetRequiredService<CoServeDb>().Branches.AsNoTracking().OrderBy(b => b.Code).ToListAsync(ct))
            {
                Console.WriteLine($"{b.Code}\t{b.Name}\t{b.Hotline}");
            }
            return 0;
        }, ct));
        branches.Subcommands.Add(add);
        branches.Subcommands.Add(list);
        return branches;
    }
}
