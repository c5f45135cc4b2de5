using CoServe.Platform.Live;

namespace CoServe.Features.Duties;

/// <summary>A duty item of the client changed: worklists reload through their own scope-checked queries.</summary>
public sealed record DutyChanged(long ClientId) : LiveEvent;
