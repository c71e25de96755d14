namespace PolyglotAspire.Analytics.Reconciliation;

/// <summary>A reconciliation bucket: a UTC day of <c>created_at</c>, a region and a currency (money is never added across currencies).</summary>
public readonly record struct BucketKey(DateOnly Day, string Region, string Currency)
{
    /// <summary>By day, then region and currency ordinally: the order differences are listed in.</summary>
    public static readonly IComparer<BucketKey> Order = Comparer<BucketKey>.Create((a, b) =>
    {
        var byDay = a.Day.CompareTo(b.Day);
        if (byDay != 0)
        {
            return byDay;
        }

        var byRegion = string.CompareOrdinal(a.Region, b.Region);
        return byRegion != 0 ? byRegion : string.CompareOrdinal(a.Currency, b.Currency);
    });
}
