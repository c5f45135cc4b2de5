using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Coverage;

/// <summary>WeCom coverage policy (添加率): the firm's target share of served clients added as external contacts.</summary>
public sealed class CoverageOptions
{
    public const string Section = "Coverage";

    /// <summary>Target coverage in percent; rows below it are flagged. Firm target 90%.</summary>
    public int TargetPercent { get; set; } = 90;

    /// <summary>Rows shown at most in the unlinked-clients and ambiguous-contacts worklists.</summary>
    public int WorklistLimit { get; set; } = 200;
}

internal sealed class CoverageOptionsValidator : IValidateOptions<CoverageOptions>
{
    public ValidateOptionsResult Validate(string? name, CoverageOptions o)
    {
        var errors = new List<string>();
        if (o.TargetPercent is < 1 or > 100) errors.Add("Coverage:TargetPercent must be 1..100");
        if (o.WorklistLimit is < 10 or > 5000) errors.Add("Coverage:WorklistLimit must be 10..5000");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

public enum ContactMatchState
{
    /// <summary>Linked to exactly one client (by remark mobile or by hand).</summary>
    Linked = 1,
    /// <summary>No remark mobile set by any member following the contact.</summary>
    NoRemarkMobile = 2,
    /// <summary>Remark mobiles set, but no client has such a mobile.</summary>
    NoMatch = 3,
    /// <summary>Several clients match, or the matching client is linked to another contact: someone must decide.</summary>
    Ambiguous = 4,
    /// <summary>Unlinked by hand: automatic matching leaves it alone.</summary>
    UnlinkedByHand = 5,
}

/// <summary>What matching made of one external contact; the ambiguous ones are a worklist.</summary>
public sealed class WeComContactMatch
{
    public string ExternalUserId { get; set; } = "";
    public ContactMatchState State { get; set; }
    /// <summary>Candidate client ids (comma-separated) when ambiguous.</summary>
    public string Candidates { get; set; } = "";
    public DateTimeOffset UpdatedAt { get; set; }
}

public enum LinkMethod
{
    RemarkMobile = 1,
    Manual = 2,
    ContactDeleted = 3,
}

/// <summary>Every link and unlink of a client to a WeCom external contact: who (null = automatic), how, when.</summary>
public sealed class WeComLinkAudit
{
    public long Id { get; private set; }
    public long ClientId { get; set; }
    public string ExternalUserId { get; set; } = "";
    public bool Linked { get; set; }
    public LinkMethod Method { get; set; }
    public int? StaffId { get; set; }
    public string? Reason { get; set; }
    public DateTimeOffset At { get; set; }
}

internal sealed class WeComContactMatchConfiguration : IEntityTypeConfiguration<WeComContactMatch>
{
    public void Configure(EntityTypeBuilder<WeComContactMatch> b)
    {
        b.ToTable("WeComContactMatches");
        b.HasKey(x => x.ExternalUserId);
        b.Property(x => x.ExternalUserId).HasMaxLength(64);
        b.Property(x => x.State).HasConversion<int>();
        b.Property(x => x.Candidates).HasMaxLength(400);
        b.HasIndex(x => x.State);
    }
}

internal sealed class WeComLinkAuditConfiguration : IEntityTypeConfiguration<WeComLinkAudit>
{
    public void Configure(EntityTypeBuilder<WeComLinkAudit> b)
    {
        b.ToTable("WeComLinkAudits");
        b.Property(x => x.ExternalUserId).HasMaxLength(64);
        b.Property(x => x.Method).HasConversion<string>().HasMaxLength(20);
        b.Property(x => x.Reason).HasMaxLength(500);
        b.HasIndex(x => new { x.ClientId, x.At });
        b.HasOne<Clients.Client>().WithMany().HasForeignKey(x => x.ClientId).OnDelete(DeleteBehavior.Cascade);
    }
}
