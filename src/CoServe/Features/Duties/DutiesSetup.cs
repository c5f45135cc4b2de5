using CoServe.Features.Transfers;
using CoServe.Features.Duties.Aml;
using CoServe.Features.Duties.Callbacks;
using CoServe.Features.Duties.Commission;
using CoServe.Features.Duties.Complaints;
using CoServe.Features.Outreach;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Duties;

public static class DutiesSetup
{
    /// <summary>Commission, AML, complaints and callbacks: options, use cases, queries. No background workers.</summary>
    public static IServiceCollection AddDuties(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DutiesOptions>().Bind(configuration.GetSection(DutiesOptions.Section)).PostConfigure(o => o.ApplyDefaults()).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DutiesOptions>, DutiesOptionsValidator>();
        services.AddSingleton<DutyCalendar>();
        services.AddSingleton<CommissionPolicy>();
        services.AddScoped<DutyPeople>();
        services.AddScoped<ClientNotices>();
        services.AddScoped<CommissionWorkflow>();
        services.AddScoped<ComplaintWorkflow>();
        services.AddScoped<ImportRegulatorComplaints>();
        services.AddScoped<ComplaintReport>();
        services.AddScoped<AmlWork>();
        services.AddScoped<AmlSchedule>();
        services.AddScoped<ImportAmlFeed>();
        services.AddScoped<CallbackPlanner>();
        services.AddScoped<CallbackWork>();
        services.AddScoped<DutyDeadlines>();
        services.AddScoped<DutyWorklist>();
        services.AddScoped<DutyQueries>();
        // The gate and transfers ask the complaints register, which covers every source, not just handoff tickets.
        services.Replace(ServiceDescriptor.Scoped<IOpenComplaints, OpenComplaintRegister>());
        services.Replace(ServiceDescriptor.Scoped<IOpenAmlReviews, OpenAmlRegister>());
        return services;
    }

    /// <summary>The web app's duty job: deadlines, reminders, escalation, daily AML schedule and new-client callbacks.</summary>
    public static IServiceCollection AddDutyWorkers(this IServiceCollection services)
    {
        services.AddSingleton<DutiesWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<DutiesWorker>());
        return services;
    }
}
