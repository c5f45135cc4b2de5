namespace CoServe.Features.Duties;

public enum DutyStatus
{
    Done = 1,
    /// <summary>No such item, or outside the caller's scope (the same answer for both).</summary>
    NotFound = 2,
    /// <summary>The caller's role may not do this (wrong approver, read-only role).</summary>
    Forbidden = 3,
    Invalid = 4,
    /// <summary>The item changed meanwhile or is already decided.</summary>
    Conflict = 5,
}

/// <summary>Outcome of a duty action: done with the item's id, or why not.</summary>
public sealed record DutyResult(DutyStatus Status, string? Message = null, long? Id = null)
{
    public bool Ok => Status == DutyStatus.Done;

    public static DutyResult Done(long id) => new(DutyStatus.Done, null, id);

    public static DutyResult NotFound() => new(DutyStatus.NotFound);

    public static DutyResult Forbidden(string message) => new(DutyStatus.Forbidden, message);

    public static DutyResult Invalid(string message) => new(DutyStatus.Invalid, message);

    public static DutyResult Conflict(string message) => new(DutyStatus.Conflict, message);
}
