using CoServe.Features.Organization;
using CoServe.Platform.Auth;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;

namespace CoServe.Platform.Web;

/// <summary>A staff member with an open console is online for routing; closing the last tab takes them offline.</summary>
internal sealed class PresenceCircuitHandler(AuthenticationStateProvider auth, StaffPresence presence) : CircuitHandler
{
    private int? _staffId;

    public override async Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        var staff = CurrentStaff.FromPrincipal((await auth.GetAuthenticationStateAsync()).User);
        if (staff is null || _staffId is not null) return;
        _staffId = staff.Id;
        presence.Connected(staff.Id);
    }

    public override Task OnConnectionDownAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        if (_staffId is { } id) presence.Disconnected(id);
        _staffId = null;
        return Task.CompletedTask;
    }
}
