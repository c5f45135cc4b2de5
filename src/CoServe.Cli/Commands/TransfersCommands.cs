using System.CommandLine;
using CoServe.Features.Transfers;
using CoServe.Platform.Time;
using Microsoft.Extensions.DependencyInjection;

namespace CoServe.Cli.Commands;

internal static class TransfersCommands
{
    public static Command Create()
    {
        var transfers = new Command("transfers", "Month-end transfers (划转): plan, approve, execute, reconcile, roll back");
        var asUser = new Option<string>("--as") { Description = "Staff login the action is recorded under (digital team or admin)", Required = true, Recursive = true };
        transfers.Options.Add(asUser);

        var month = new Option<string>("--month") { Description = "Month to plan, yyyy-MM (must be segmented)", Required = true };
        var plan = new Command("plan", "Make a month's transfer plan from MADA and policy (nothing moves)");
        plan.Options.Add(month);
        plan.SetAction((parse, ct) => CliHost.RunAsync(parse, async sp =>
        {
            var staff = await CliStaff.AsAsync(sp, parse.GetValue(asUser)!, ct);
            var r = await sp.GetRequiredService<PlanTransfers>().PlanAsync(staff, CalendarMonth.Parse(parse.GetValue(month)!), ct);
            Console.WriteLine($"plan #{r.PlanId} for {r.Month}: {r.ToOfficer} to the service officer, {r.ToManager} to managers, {r.Exempted} exempted (took {r.Elapsed.TotalSeconds:0.0} s)");
            return 0;
        }, ct));

        var list = new Command("list", "List transfer plans");
        list.SetAction((parse, ct) => CliHost.RunAsync(parse, async sp =>
        {
            foreach (var p in await sp.GetRequiredService<TransferQueries>().PlansAsync(ct))
            {
                Console.WriteLine($"#{p.Id}\t{p.Month}\t{p.Status}\tto officer {p.ToOfficer}\tto managers {p.ToManager}\texempted {p.Exempted}\tappealed {p.Appealed}\tmoved {p.Moved}");
            }
            return 0;
        }, ct));

        var planId = new Option<long>("--plan") { Description = "Plan id", Required = true };
        var approve = new Command("approve", "Approve every proposed item of a plan (appealed items wait for the branch head)");
        approve.Options.Add(planId);
        approve.SetAction((parse, ct) => CliHost.RunAsync(parse, async sp =>
        {
            var n = await sp.GetRequiredService<ReviewTransfers>().ApproveAsync(await CliStaff.AsAsync(sp, parse.GetValue(asUser)!, ct), parse.GetValue(planId), null, "approved from the command line", ct);
            Console.WriteLine($"{n} item(s) approved");
            return 0;
        }, ct));

        var execute = new Command("execute", "Execute a plan's approved items in batches (safe to run again after an interruption)");
        execute.Options.Add(planId);
        execute.SetAction((parse, ct) => CliHost.RunAsync(parse, async sp =>
        {
            var r = await sp.GetRequiredService<ExecuteTransfers>().ExecuteAsync(await CliStaff.AsAsync(sp, parse.GetValue(asUser)!, ct), parse.GetValue(planId), ct);
            Console.WriteLine($"moved {r.Moved}, skipped {r.Skipped}; WeCom transfers requested {r.WeComRequested}, skipped {r.WeComSkipped}; still to move {r.Remaining}");
            return 0;
        }, ct));

        var reconcile = new Command("reconcile", "Request pending WeCom transfers and settle requested ones");
        reconcile.SetAction((parse, ct) => CliHost.RunAsync(parse, async sp =>
        {
            var execute = sp.GetRequiredService<ExecuteTransfers>();
            var (requested, skipped) = await execute.RequestWeComAsync(null, ct);
            var r = await execute.ReconcileAsync(ct);
            Console.WriteLine($"requested {requested}, skipped {skipped}; taken over {r.TakenOver}, refused {r.Refused}, retried {r.Retried}, waiting {r.StillWaiting}");
            return 0;
        }, ct));

        var reason = new Option<string>("--reason") { Description = "Why", Required = true };
        var rollbackPlan = new Option<long?>("--plan") { Description = "Roll back every moved item of this plan" };
        var items = new Option<long[]>("--items") { Description = "Roll back these item ids", AllowMultipleArgumentsPerToken = true };
        var rollback = new Command("rollback", "Roll moves back within the rollback window (restores servicing, reverses WeCom transfers where allowed)");
        rollback.Options.Add(rollbackPlan);
        rollback.Options.Add(items);
        rollback.Options.Add(reason);
        rollback.SetAction((parse, ct) => CliHost.RunAsync(parse, async sp =>
        {
            var r = await sp.GetRequiredService<RollbackTransfers>().RollbackAsync(await CliStaff.AsAsync(sp, parse.GetValue(asUser)!, ct),
                parse.GetValue(rollbackPlan), parse.GetValue(items), parse.GetValue(reason)!, ct);
            Console.WriteLine($"rolled back {r.RolledBack}; WeCom reversed {r.WeComReversed}, not allowed {r.WeComNotAllowed}");
            return 0;
        }, ct));

        foreach (var c in new[] { plan, list, approve, execute, reconcile, rollback }) transfers.Subcommands.Add(c);
        return transfers;
    }
}
