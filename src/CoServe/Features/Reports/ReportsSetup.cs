using Microsoft.Extensions.Options;

namespace CoServe.Features.Reports;

/// <summary>Reporting policy: the period the service dashboard covers.</summary>
public sealed class ReportsOptions
{
    public const string Section = "Reports";

    /// <summary>Business days the service dashboard shows unless the viewer picks another period (default 14).</summary>
    public int DashboardDays { get; set; } = 14;

    /// <summary>The longest period a viewer may pick, in business days (default 92, a quarter).</summary>
    public int MaxDashboardDays { get; set; } = 92;
}

internal sealed class ReportsOptionsValidator : IValidateOptions<ReportsOptions>
{
    public ValidateOptionsResult Validate(string? name, ReportsOptions o)
    {
        var errors = new List<string>();
        if (o.MaxDashboardDays is < 7 or > 366) errors.Add("Reports:MaxDashboardDays must be 7..366");
        if (o.DashboardDays < 1 || o.DashboardDays > o.MaxDashboardDays) errors.Add("Reports:DashboardDays must be 1..Reports:MaxDashboardDays");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

public static class ReportsSetup
{
    public static IServiceCollection AddReports(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ReportsOptions>().Bind(configuration.GetSection(ReportsOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ReportsOptions>, ReportsOptionsValidator>();
        services.AddScoped<ServiceDashboard>();
        services.AddScoped<MyWork>();
        return services;
    }
}
