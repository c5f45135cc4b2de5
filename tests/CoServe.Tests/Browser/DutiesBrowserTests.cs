using CoServe.Features.Conversations;
using CoServe.Features.Duties;
using CoServe.Features.Duties.Complaints;
using CoServe.Features.Handoffs;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Microsoft.Playwright.Assertions;

namespace CoServe.Tests.Browser;

/// <summary>The client manager's duty worklist in the console: his duties across clients, by deadline, with SLA state.</summary>
public class DutiesBrowserTests
{
    [SkippableFact]
    public async Task ManagerWorklist_ShowsDutiesByDeadlineWithSla_AndTurnsACommissionHandoffIntoAProposal()
    {
        await using var browser = await BrowserSession.StartAsync();
        await using var s = await ApiScenario.StartAsync(kestrel: true, withPasswords: true);
        var now = s.App.Clock.GetUtcNow();
        await using (var db = s.NewDb())
        {
            // A commission handoff for C101 waiting for cm1 (due in an hour) ...
            var c101 = await db.Clients.SingleAsync(c => c.ClientNo == "C101");
            var ticket = new Ticket(c101.Id, null, HandoffReason.CommissionRequest, TicketQueue.DutyOwner, c101.BranchId, now, now.AddHours(1));
            ticket.Assign(s.Org.Cm1.Id, now);
            db.Tickets.Add(ticket);
            await db.SaveChangesAsync();
        }
        await using (var scope = s.App.Services.CreateAsyncScope())
        {
            // ... and a complaint about P400 received on Sunday, not acknowledged by Monday: breached.
            var registered = await scope.ServiceProvider.GetRequiredService<ComplaintWorkflow>()
                .RegisterAsync(TestOrg.As(s.Org.Cm1), "P400", "客户对服务不满", null, now.AddDays(-3), CancellationToken.None);
            Assert.True(registered.Ok);
            // cm3's complaint in the south branch never shows on cm1's list.
            Assert.True((await scope.ServiceProvider.GetRequiredService<ComplaintWorkflow>()
                .RegisterAsync(TestOrg.As(s.Org.Cm3), "S300", "南区投诉", null, null, CancellationToken.None)).Ok);
        }

        var page = await browser.SignInAsync(s.App.BaseAddress, "cm1");
        await page.GotoAsync("/duties");
        var rows = page.GetByTestId("duty-row");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Nth(0)).ToContainTextAsync("投诉");
        await Expect(rows.Nth(0)).ToContainTextAsync("P400");
        await Expect(rows.Nth(0).GetByTestId("duty-sla")).ToHaveTextAsync("已超时");
        await Expect(rows.Nth(1)).ToContainTextAsync("C101");
        await Expect(rows.Nth(1)).ToContainTextAsync("调佣");
        await Expect(rows.Nth(1).GetByTestId("duty-sla")).ToHaveTextAsync("正常");

        await page.GetByTestId("filter-overdue").CheckAsync();
        await Expect(rows).ToHaveCountAsync(1);
        await page.GetByTestId("filter-overdue").UncheckAsync();
        await Expect(rows).ToHaveCountAsync(2);

        // One click turns the handoff into a tracked request; the manager answers with a rate above the floor.
        await rows.Nth(1).GetByTestId("to-commission").ClickAsync();
        await Expect(page.GetByTestId("commission-detail")).ToBeVisibleAsync();
        await page.GetByTestId("commission-rate").FillAsync("万2");
        await page.GetByTestId("commission-submit").ClickAsync();
        await Expect(page.GetByTestId("commission-message")).ToContainTextAsync("floor");
        await page.GetByTestId("commission-rate").FillAsync("万2.5");
        await page.GetByTestId("commission-submit").ClickAsync();
        await Expect(page.GetByTestId("commission-status")).ToHaveTextAsync("审批中");
        await Expect(page.GetByTestId("commission-proposed")).ToHaveTextAsync("0.025%");

        await page.GotoAsync("/duties");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Nth(1)).ToContainTextAsync("待营业部负责人审批");
        await using var check = s.NewDb();
        Assert.Equal(SlaState.OnTrack, DutyWorklist.Sla(now, now.AddDays(1), null, now));
        Assert.Equal(1, await check.CommissionRequests.CountAsync());
    }
}
