using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CoServe.Features.Timeline;

/// <summary>How far a staff member has read a client's timeline: what is "unread AI activity" for them.</summary>
public sealed class ReadMarker
{
    private ReadMarker()
    {
    }

    public ReadMarker(int staffId, long clientId, long lastSeenEventId)
    {
        StaffId = staffId;
        ClientId = clientId;
        LastSeenEventId = lastSeenEventId;
    }

    public int StaffId { get; private set; }
    public long ClientId { get; private set; }
    public long LastSeenEventId { get; private set; }

    public void SeenUpTo(long eventId)
    {
        if (eventId > LastSeenEventId) LastSeenEventId = eventId;
    }
}

internal sealed class ReadMarkerConfiguration : IEntityTypeConfiguration<ReadMarker>
{
    public void Configure(EntityTypeBuilder<ReadMarker> b)
    {
        b.ToTable("ReadMarkers");
        b.HasKey(x => new { x.StaffId, x.ClientId });
    }
}
