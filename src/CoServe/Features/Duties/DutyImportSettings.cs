using System.Text;

namespace CoServe.Features.Duties;

/// <summary>How a duty feed (AML transactions, 12386 complaints) is read: the same flags as the asset feed.</summary>
public sealed record DutyImportSettings(Encoding Encoding, bool SkipBadRows, string? RejectsPath = null);
