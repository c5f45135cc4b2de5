namespace CoServe.Features.Assets;

/// <summary>One client's end-of-day assets, in fen. Components are null when the feed did not carry them.</summary>
public readonly record struct AssetSnapshot(long TotalFen, long? CashFen = null, long? SecuritiesFen = null, long? ProductsFen = null, long? MarginNetFen = null)
{
    public bool HasComponents => CashFen is not null || SecuritiesFen is not null || ProductsFen is not null || MarginNetFen is not null;
}
