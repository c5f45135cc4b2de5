namespace CoServe.Features.Organization;

public static class OrganizationSetup
{
    public static IServiceCollection AddOrganization(this IServiceCollection services)
    {
        services.AddSingleton<StaffDirectory>();
        services.AddScoped<StaffOffboarding>();
        return services;
    }
}
