namespace PolyglotAspire.Analytics.Queries;

/// <summary>
/// Totals over a range. Order counts add up across currencies (<see cref="Orders"/>); money does not, so every
/// amount is in <see cref="ByCurrency"/>, one entry per currency (ordered by code).
/// </summary>
public sealed record Summary(long Orders, IReadOnlyList<CurrencySummary> ByCurrency)
{
    public static Summary From(IEnumerable<StatusRow> byStatus)
    {
        var currencies = byStatus.GroupBy(s => s.Currency, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => CurrencySummary.From(g.Key, g))
            .ToList();
        return new Summary(currencies.Sum(c => c.Orders), currencies);
    }
}
