namespace CoServe.Features.Organization;

public static class OrganizationSetup
{
    public static IServiceCollection AddOrganization(this IServiceCollection services)
    {
        services.AddSingleton<StaffDirectory>();
        services.AddScoped<StaffHandover>();
        services.AddScoped<StaffOffboarding>();
        services.AddScoped<StaffAdministration>();
        return services;
    }
}
