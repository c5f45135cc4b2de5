namespace CoServe.Features.Demo;

public static class DemoSetup
{
    public static IServiceCollection AddDemo(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DemoOptions>().Bind(configuration.GetSection(DemoOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<DemoSeeder>();
        services.AddScoped<DemoConversations>();
        return services;
    }
}
