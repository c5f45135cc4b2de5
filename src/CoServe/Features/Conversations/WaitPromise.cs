using System.Globalization;
using CoServe.Platform.Time;

namespace CoServe.Features.Conversations;

/// <summary>
/// What the client is told about the wait for a human. The service officer writes its holding message with
/// <see cref="Token"/> where the wait goes, and the core fills it in from the ticket it opened: the minutes to the
/// first-response deadline when the deadline falls within them (service hours), else the hour by which a person will
/// answer. The promise is the one the SLA keeps: a fixed "5 minutes" was wrong at 3 a.m. and for a commission request
/// whose deadline is an hour.
/// </summary>
public static class WaitPromise
{
    public const string Token = "{wait}";

    /// <summary>"预计等待15分钟", or "人工客服将在明天08:45前回复您" when the deadline lies beyond the SLA (outside service hours).</summary>
    public static string Phrase(DateTimeOffset now, DateTimeOffset dueAt, TimeSpan sla)
    {
        var wait = dueAt - now;
        if (wait <= sla + TimeSpan.FromMinutes(1))
        {
            return string.Create(CultureInfo.InvariantCulture, $"预计等待{Math.Max(1, (int)Math.Ceiling(wait.TotalMinutes))}分钟");
        }
        var today = BusinessTime.DateOf(now);
        var local = BusinessTime.ToLocal(dueAt);
        var day = DateOnly.FromDateTime(local);
        var when = day == today ? "今天" : day == today.AddDays(1) ? "明天" : string.Create(CultureInfo.InvariantCulture, $"{day.Month}月{day.Day}日");
        return string.Create(CultureInfo.InvariantCulture, $"人工客服将在{when}{local:HH:mm}前回复您");
    }

    /// <summary>The holding message with the wait filled in (a message without the token is returned as it is).</summary>
    public static string Fill(string holding, string phrase) => holding.Replace(Token, phrase, StringComparison.Ordinal);
}
