namespace CoServe.Features.Demo;

public static partial class DemoSetup
{
    public static IServiceCollection AddDemo(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DemoOptions>().Bind(configuration.GetSection(DemoOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<DemoSeeder>();
        services.AddScoped<DemoConversations>();
        return services;
    }

    /// <summary>
    /// Once the host runs (and with it the service officer's worker), sends the demo dialogues round by round, each round
    /// after the officer has answered the one before; then staff work on a few of the handoffs. In the background: the
    /// console is up meanwhile.
    /// </summary>
    public static void ReplayConversationsOnceStarted(IServiceProvider services, IHostApplicationLifetime lifetime)
    {
        lifetime.ApplicationStarted.Register(() => _ = Task.Run(async () =>
        {
            var ct = lifetime.ApplicationStopping;
            try
            {
                await using var scope = services.CreateAsyncScope();
                var replay = scope.ServiceProvider.GetRequiredService<DemoConversations>();
                await replay.ReplayAsync(c => replay.WaitForOfficerAsync(TimeSpan.FromMinutes(2), c), ct);
                await replay.WaitForOfficerAsync(TimeSpan.FromMinutes(2), ct);
                await replay.ActAsStaffAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Stopped while replaying: the demo simply has fewer conversations.
            }
            catch (Exception e)
            {
                LogReplayFailed(services.GetRequiredService<ILogger<DemoConversations>>(), e);
            }
        }, CancellationToken.None));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Demo conversations could not be replayed")]
    private static partial void LogReplayFailed(ILogger logger, Exception e);
}
