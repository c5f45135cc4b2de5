using CoServe.Platform.Auth;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace CoServe.Platform.Web;

/// <summary>
/// Base for console pages: the signed-in staff member, and a fresh DI scope per operation so each use case
/// gets its own DbContext (a Blazor circuit lives far longer than a unit of work should).
/// </summary>
public abstract class ConsolePage : ComponentBase
{
    [CascadingParameter]
    private Task<AuthenticationState>? AuthenticationState { get; set; }

    [Inject]
    private IServiceScopeFactory ScopeFactory { get; set; } = default!;

    protected CurrentStaff Staff { get; private set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        var state = AuthenticationState is null ? null : await AuthenticationState;
        Staff = CurrentStaff.Require(state?.User);
        await OnStaffReadyAsync();
    }

    protected virtual Task OnStaffReadyAsync() => Task.CompletedTask;

    protected async Task<TResult> UseAsync<TService, TResult>(Func<TService, Task<TResult>> operation)
        where TService : notnull
    {
        await using var scope = ScopeFactory.CreateAsyncScope();
        return await operation(scope.ServiceProvider.GetRequiredService<TService>());
    }
}
