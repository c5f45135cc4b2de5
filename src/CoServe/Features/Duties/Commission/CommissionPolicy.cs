using CoServe.Features.Assets;
using CoServe.Features.Organization;
using Microsoft.Extensions.Options;

namespace CoServe.Features.Duties.Commission;

/// <summary>The firm's commission policy from configuration: the floor table and the approval chains.</summary>
public sealed class CommissionPolicy(IOptions<DutiesOptions> options)
{
    private CommissionOptions O => options.Value.Commission;

    public CommissionRate Standard => O.Standard;

    public CommissionRate Max => O.Max;

    /// <summary>
    /// The lowest rate allowed for a client of this tier and monthly average daily assets: among the floors that
    /// apply (assets at or above their minimum, tier matching or any), the one with the highest minimum, a
    /// tier-specific floor before a general one at the same minimum.
    /// </summary>
    public CommissionRate FloorFor(AssetTier tier, decimal assets) =>
        O.Floors
            .Where(f => f.MinAssets <= assets && (f.Tier is null || f.Tier == tier))
            .OrderByDescending(f => f.MinAssets)
            .ThenByDescending(f => f.Tier is not null)
            .Select(f => CommissionRate.Parse(f.Rate))
            .First();

    /// <summary>The roles that must approve, in order, for a move from <paramref name="current"/> to <paramref name="proposed"/>.</summary>
    public IReadOnlyList<StaffRole> ChainFor(CommissionRate current, CommissionRate proposed)
    {
        var discount = CommissionRate.DiscountPercent(current, proposed);
        return O.Approvals.OrderBy(a => a.MaxDiscountPercent).First(a => discount <= a.MaxDiscountPercent).Chain;
    }
}
