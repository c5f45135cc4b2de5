using Microsoft.Extensions.Options;

namespace CoServe.Features.ServiceOfficer.Llm;

/// <summary>
/// The optional grounded LLM mode of the service officer (section "ServiceOfficer:Llm"); defaults in the XML docs.
/// Off by default: the model-free engine answers alone. When on, a model behind any OpenAI-compatible
/// chat-completions endpoint only rephrases the approved answers retrieval found; every failure falls back.
/// </summary>
public sealed class LlmOptions
{
    public const string Section = "ServiceOfficer:Llm";

    /// <summary>Use the model at all. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>Base address of the OpenAI-compatible API, including "/v1" (e.g. http://10.0.0.5:8000/v1 for vLLM, http://127.0.0.1:11434/v1 for Ollama). Required when enabled.</summary>
    public string? Endpoint { get; set; }

    /// <summary>Model name as the server knows it (e.g. "qwen2.5-7b-instruct"). Required when enabled.</summary>
    public string? Model { get; set; }

    /// <summary>API key, from configuration or the environment (ServiceOfficer__Llm__ApiKey); never logged. Default none (local servers).</summary>
    public string? ApiKey { get; set; }

    /// <summary>Whole-call timeout; past it the retrieval answer is sent. Default 3.</summary>
    public double TimeoutSeconds { get; set; } = 3;

    /// <summary>Approved entries (top of the retrieval ranking) the model may answer from. Default 3.</summary>
    public int MaxCandidates { get; set; } = 3;

    /// <summary>An entry below this ranking probability is not given to the model. Default 0.05.</summary>
    public double MinCandidateProbability { get; set; } = 0.05;

    /// <summary>Sampling temperature. Default 0.2 (rephrasing, not invention).</summary>
    public double Temperature { get; set; } = 0.2;

    /// <summary>Cap on the reply's tokens. Default 512.</summary>
    public int MaxOutputTokens { get; set; } = 512;

    /// <summary>Earlier turns of the conversation sent as context (redacted). Default 4.</summary>
    public int HistoryTurns { get; set; } = 4;

    /// <summary>Ask the server for a JSON object (response_format json_object). Turn off for servers that reject it. Default true.</summary>
    public bool JsonResponseFormat { get; set; } = true;

    /// <summary>
    /// Only clients who consented to an external processor (PIPL) are sent to the model. Set false only when the
    /// model server runs inside the firm and is not another processor. Default true.
    /// </summary>
    public bool RequireConsent { get; set; } = true;

    /// <summary>Consecutive failed calls (timeout, error, unreadable reply) that open the circuit. Default 5.</summary>
    public int BreakerFailures { get; set; } = 5;

    /// <summary>How long an open circuit sends every message to the retrieval answer before one trial call. Default 30.</summary>
    public double BreakerOpenSeconds { get; set; } = 30;

    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSeconds);

    public TimeSpan BreakerOpen => TimeSpan.FromSeconds(BreakerOpenSeconds);
}

internal sealed class LlmOptionsValidator : IValidateOptions<LlmOptions>
{
    public ValidateOptionsResult Validate(string? name, LlmOptions o)
    {
        var errors = new List<string>();
        if (o.TimeoutSeconds is <= 0 or > 120) errors.Add("ServiceOfficer:Llm:TimeoutSeconds must be in (0, 120]");
        if (o.MaxCandidates is < 1 or > 10) errors.Add("ServiceOfficer:Llm:MaxCandidates must be 1..10");
        if (o.MinCandidateProbability is < 0 or > 1) errors.Add("ServiceOfficer:Llm:MinCandidateProbability must be in [0, 1]");
        if (o.Temperature is < 0 or > 2) errors.Add("ServiceOfficer:Llm:Temperature must be in [0, 2]");
        if (o.MaxOutputTokens is < 16 or > 8192) errors.Add("ServiceOfficer:Llm:MaxOutputTokens must be 16..8192");
        if (o.HistoryTurns is < 0 or > 20) errors.Add("ServiceOfficer:Llm:HistoryTurns must be 0..20");
        if (o.BreakerFailures is < 1 or > 1000) errors.Add("ServiceOfficer:Llm:BreakerFailures must be 1..1000");
        if (o.BreakerOpenSeconds is <= 0 or > 3600) errors.Add("ServiceOfficer:Llm:BreakerOpenSeconds must be in (0, 3600]");
        if (o.Enabled)
        {
            if (string.IsNullOrWhiteSpace(o.Endpoint)) errors.Add("ServiceOfficer:Llm:Endpoint is required when ServiceOfficer:Llm:Enabled is true");
            else if (!Uri.TryCreate(o.Endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                errors.Add("ServiceOfficer:Llm:Endpoint must be an absolute http(s) address");
            if (string.IsNullOrWhiteSpace(o.Model)) errors.Add("ServiceOfficer:Llm:Model is required when ServiceOfficer:Llm:Enabled is true");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
