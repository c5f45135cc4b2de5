using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using OpenAI;
using OpenAI.Chat;

namespace CoServe.Features.ServiceOfficer.Llm;

public static class LlmSetup
{
    /// <summary>
    /// Options (validated at start), the <see cref="IChatClient"/> for the configured OpenAI-compatible endpoint
    /// (keyed <see cref="LlmServiceOfficer.ChatClientKey"/>, built only when the mode is used) and the mode itself.
    /// </summary>
    public static IServiceCollection AddServiceOfficerLlm(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LlmOptions>().Bind(configuration.GetSection(LlmOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LlmOptions>, LlmOptionsValidator>();
        services.AddKeyedSingleton<IChatClient>(LlmServiceOfficer.ChatClientKey, (sp, _) => CreateChatClient(sp.GetRequiredService<IOptions<LlmOptions>>().Value));
        services.AddSingleton<LlmServiceOfficer>();
        return services;
    }

    /// <summary>
    /// A chat client for the endpoint: no retries (the fallback is immediate and the breaker counts failures), no
    /// SDK logging (it could log message content), the API key from the options or "none" for local servers.
    /// </summary>
    public static IChatClient CreateChatClient(LlmOptions options, HttpClient? http = null)
    {
        if (string.IsNullOrWhiteSpace(options.Endpoint) || string.IsNullOrWhiteSpace(options.Model))
            throw new InvalidOperationException("ServiceOfficer:Llm:Endpoint and ServiceOfficer:Llm:Model must be set to use the LLM mode");
        http ??= new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = new Uri(options.Endpoint),
            Transport = new HttpClientPipelineTransport(http),
            RetryPolicy = new ClientRetryPolicy(0),
            NetworkTimeout = options.Timeout + TimeSpan.FromSeconds(5),
            ClientLoggingOptions = new ClientLoggingOptions { EnableLogging = false, EnableMessageLogging = false, EnableMessageContentLogging = false },
        };
        var key = string.IsNullOrWhiteSpace(options.ApiKey) ? "none" : options.ApiKey;
        return new ChatClient(options.Model, new ApiKeyCredential(key), clientOptions).AsIChatClient();
    }
}
