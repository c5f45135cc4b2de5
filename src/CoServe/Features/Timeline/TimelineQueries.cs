using System.Globalization;
using System.Text;
using System.Text.Json;
using CoServe.Data;
using CoServe.Features.Clients;
using CoServe.Features.Organization;
using CoServe.Features.Security;
using CoServe.Platform.Auth;
using CoServe.Platform.Crypto;
using CoServe.Platform.Time;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Features.Timeline;

public sealed record TimelineFilter(
    IReadOnlyCollection<TimelineKind>? Kinds = null,
    ActorKind? Actor = null,
    int? ActorStaffId = null,
    DateOnly? From = null,
    DateOnly? To = null,
    long? ConversationId = null);

public sealed record TimelineItem(
    long Id,
    TimelineKind Kind,
    ActorKind Actor,
    string ActorName,
    string Channel,
    EventVisibility Visibility,
    DateTimeOffset At,
    string? Text,
    IReadOnlyDictionary<string, string> Details,
    long? ConversationId,
    long? TicketId);

public sealed record TimelinePage(long ClientId, string ClientNo, IReadOnlyList<TimelineItem> Items, long? NextBefore);

/// <summary>
/// Reads of a client's timeline for staff: every current servicer in scope sees the whole client-visible
/// history (what the AI said included); internal events follow role scope; confidential (AML) events only the
/// AML duty owner and Compliance.
/// </summary>
public sealed class TimelineQueries(CoServeDb db, FieldProtector protector, StaffDirectory directory, TimelineSegmenter segmenter, TimeProvider clock)
{
    public const int MaxPageSize = 200;

    public async Task<TimelinePage?> PageAsync(CurrentStaff staff, string clientNo, TimelineFilter filter, long? before, int size, CancellationToken ct)
    {
        var access = await AccessAsync(staff, clientNo, ct);
        if (access is null) return null;
        var q = Visible(access.Value.ClientId, access.Value.SeesConfidential);
        q = Apply(q, filter);
        if (before is { } b) q = q.Where(e => e.Id < b);
        var take = Math.Clamp(size, 1, MaxPageSize);
        var rows = await q.OrderByDescending(e => e.Id).Take(take + 1).ToListAsync(ct);
        var names = await directory.GetAsync(ct);
        var items = rows.Take(take).Select(e => ToItem(e, names)).ToList();
        return new TimelinePage(access.Value.ClientId, access.Value.ClientNo, items, rows.Count > take ? items[^1].Id : null);
    }

    /// <summary>Full-text search within one client's timeline (Chinese segmented into words), newest first.</summary>
    public async Task<IReadOnlyList<TimelineItem>?> SearchAsync(CurrentStaff staff, string clientNo, string query, int size, CancellationToken ct)
    {
        var terms = SearchTerms.Of(query, segmenter.Words);
        if (terms.Count == 0) throw new ArgumentException("search needs at least one word", nameof(query));
        var access = await AccessAsync(staff, clientNo, ct);
        if (access is null) return null;
        var names = await directory.GetAsync(ct);
        var found = new List<TimelineItem>();
        await foreach (var e in Visible(access.Value.ClientId, access.Value.SeesConfidential)
                           .Where(e => e.TextCipher != null).OrderByDescending(e => e.Id).AsAsyncEnumerable().WithCancellation(ct))
        {
            var text = protector.Decrypt(ProtectedField.MessageText, e.TextCipher!);
            if (!SearchTerms.Matches(text, terms)) continue;
            found.Add(ToItem(e, names, text));
            if (found.Count >= Math.Clamp(size, 1, MaxPageSize)) break;
        }
        return found;
    }

    /// <summary>
    /// Compliance export of a client's timeline as CSV (UTF-8 with BOM for Excel). Reading every message is a full
    /// read of personal data, so it needs a purpose and is audited like a reveal.
    /// </summary>
    public async Task<byte[]?> ExportAsync(CurrentStaff staff, string clientNo, DateOnly? from, DateOnly? to, string purpose, CancellationToken ct)
    {
        if (staff.Role is not (StaffRole.Compliance or StaffRole.Admin)) throw new UnauthorizedAccessException("only Compliance exports timelines");
        if ((purpose?.Trim().Length ?? 0) < RevealPersonalData.MinPurposeLength) throw new ArgumentException("state the purpose of the export", nameof(purpose));
        var access = await AccessAsync(staff, clientNo, ct);
        if (access is null) return null;
        var q = Apply(Visible(access.Value.ClientId, seesConfidential: true), new TimelineFilter(From: from, To: to));
        var names = await directory.GetAsync(ct);
        var csv = new StringBuilder("id,at,kind,actor,channel,visibility,text,details\n");
        await foreach (var e in q.OrderBy(e => e.Id).AsAsyncEnumerable().WithCancellation(ct))
        {
            var item = ToItem(e, names);
            csv.Append(CultureInfo.InvariantCulture, $"{item.Id},{Platform.Web.Display.Instant(item.At)},{item.Kind},{Csv(item.ActorName)},{item.Channel},{item.Visibility},{Csv(item.Text)},{Csv(e.Details)}\n");
        }
        db.PersonalDataAccesses.Add(new PersonalDataAccess(staff, access.Value.ClientId, ProtectedField.MessageText, AccessPurpose.ComplianceCheck, purpose!.Trim(), "export", clock.GetUtcNow()));
        await db.SaveChangesAsync(ct);
        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(csv.ToString())];
    }

    private static string Csv(string? s) =>
        s is null ? "" : s.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;

    private async Task<(long ClientId, string ClientNo, bool SeesConfidential)?> AccessAsync(CurrentStaff staff, string clientNo, CancellationToken ct)
    {
        var no = clientNo.Trim().ToUpperInvariant();
        var client = await db.Clients.AsNoTracking().VisibleTo(staff).Where(c => c.ClientNo == no)
            .Select(c => new { c.Id, c.ClientNo, Aml = c.Servicers.Any(s => s.StaffId == staff.Id && (s.Duties & DutyScope.Aml) != 0) })
            .SingleOrDefaultAsync(ct);
        if (client is null) return null;
        var confidential = staff.Role is StaffRole.Compliance or StaffRole.Admin || client.Aml;
        return (client.Id, client.ClientNo, confidential);
    }

    private IQueryable<TimelineEvent> Visible(long clientId, bool seesConfidential)
    {
        var q = db.TimelineEvents.AsNoTracking().Where(e => e.ClientId == clientId);
        return seesConfidential ? q : q.Where(e => e.Visibility != EventVisibility.Confidential);
    }

    private static IQueryable<TimelineEvent> Apply(IQueryable<TimelineEvent> q, TimelineFilter f)
    {
        if (f.Kinds is { Count: > 0 } kinds) q = q.Where(e => kinds.Contains(e.Kind));
        if (f.Actor is { } actor) q = q.Where(e => e.Actor == actor);
        if (f.ActorStaffId is { } staffId) q = q.Where(e => e.ActorStaffId == staffId);
        if (f.ConversationId is { } conversationId) q = q.Where(e => e.ConversationId == conversationId);
        if (f.From is { } from)
        {
            var start = BusinessTime.StartOfDay(from);
            q = q.Where(e => e.At >= start);
        }
        if (f.To is { } to)
        {
            var end = BusinessTime.StartOfDay(to.AddDays(1));
            q = q.Where(e => e.At < end);
        }
        return q;
    }

    private TimelineItem ToItem(TimelineEvent e, StaffDirectory.Snapshot names, string? text = null) => new(
        e.Id,
        e.Kind,
        e.Actor,
        e.Actor switch
        {
            ActorKind.Client => "客户",
            ActorKind.Officer => StaffDirectory.ServiceOfficerName,
            ActorKind.Staff => e.ActorStaffId is { } id ? names.StaffName(id) : "员工",
            _ => "系统",
        },
        e.Channel,
        e.Visibility,
        e.At,
        text ?? protector.DecryptOrNull(ProtectedField.MessageText, e.TextCipher),
        ParseDetails(e.Details),
        e.ConversationId,
        e.TicketId);

    private static Dictionary<string, string> ParseDetails(string? json)
    {
        if (string.IsNullOrEmpty(json)) return new Dictionary<string, string>();
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.ValueKind == JsonValueKind.Object
            ? doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText())
            : new Dictionary<string, string>();
    }
}
