namespace CoServe.Platform.Web;

/// <summary>
/// A request that is well-formed but not allowed in the current state (a second plan for a month, approving an
/// executed plan). The API answers 409 with the message; the console shows it.
/// </summary>
public class RuleViolationException(string message) : Exception(message);
