namespace CoServe.Features.Clients;

public static class ClientsSetup
{
    public static IServiceCollection AddClients(this IServiceCollection services)
    {
        services.AddScoped<ClientQueries>();
        services.AddScoped<ImportClientBook>();
        return services;
    }
}
