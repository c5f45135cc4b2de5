using CoServe.Features.Duties;
using CoServe.Features.Handoffs;
using CoServe.Features.Organization;
using CoServe.Platform.Auth;
using CoServe.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CoServe.Tests.Features.Duties;

/// <summary>Shortcuts for duty tests over <see cref="CoServiceScenario"/>: run a use case as someone, hand off, tick the job.</summary>
internal static class DutyTestKit
{
    public static CurrentStaff As(StaffMember s) => TestOrg.As(s);

    public static Task<T> As<TService, T>(this CoServiceScenario s, Func<TService, Task<T>> op)
        where TService : notnull => s.H.RunAsync(op);

    /// <summary>The client says something; the scripted officer hands off; returns the newest ticket.</summary>
    public static async Task<Ticket> HandOffAsync(this CoServiceScenario s, string clientNo, string text)
    {
        await s.SayAsync(clientNo, text);
        await s.DrainAsync();
        await using var db = s.NewDb();
        return await db.Tickets.AsNoTracking().OrderByDescending(t => t.Id).FirstAsync();
    }

    /// <summary>One tick of the duties background job, as the web app's worker runs it.</summary>
    public static Task TickAsync(this CoServiceScenario s) =>
        new DutiesWorker(s.Get<IServiceScopeFactory>(), s.Get<IOptions<DutiesOptions>>(), s.H.Clock, NullLogger<DutiesWorker>.Instance).RunOnceAsync(CancellationToken.None);

    public static void Ok(DutyResult r) => Assert.True(r.Ok, $"{r.Status}: {r.Message}");
}
