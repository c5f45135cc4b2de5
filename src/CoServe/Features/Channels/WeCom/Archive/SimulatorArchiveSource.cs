using System.Text.Json;

namespace CoServe.Features.Channels.WeCom.Archive;

/// <summary>
/// The archive of the WeCom simulator, read over HTTP (POST finance/getchatdata with the corp id and archive
/// secret the SDK's Init would take). Messages decrypt with <see cref="SimulatorArchiveCipher"/>, the simulator's
/// convention for what the real SDK's DecryptData does internally.
/// </summary>
public sealed class SimulatorArchiveSource(HttpClient http, string corpId, string secret, int timeoutSeconds) : IArchiveSource
{
    public async Task<ChatDataReply> GetChatDataAsync(long seq, int limit, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            using var response = await http.PostAsJsonAsync("finance/getchatdata",
                new Dictionary<string, object> { ["corpid"] = corpId, ["secret"] = secret, ["seq"] = seq, ["limit"] = limit, ["timeout"] = timeoutSeconds }, timeout.Token);
            if (!response.IsSuccessStatusCode) throw new ArchiveSourceException($"simulator archive answered HTTP {(int)response.StatusCode}");
            var reply = await response.Content.ReadFromJsonAsync<ChatDataReply>(timeout.Token)
                ?? throw new ArchiveSourceException("simulator archive answered an empty document");
            if (reply.ErrCode != 0) throw new ArchiveSourceException($"GetChatData errcode {reply.ErrCode}");
            return reply;
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            throw new ArchiveSourceException("simulator archive unreachable or answered nonsense", ex);
        }
    }

    public string? DecryptData(string randomKey, string encryptChatMsg) => SimulatorArchiveCipher.Decrypt(randomKey, encryptChatMsg);

    public void Dispose() => http.Dispose();
}
