namespace PolyglotAspire.OrdersApi.Domain;

/// <summary>Amounts are <c>numeric(18,2)</c> in PostgreSQL and hundredths (<c>long</c>) in the event envelope.</summary>
public static class Money
{
    /// <summary>
    /// Highest unit price accepted. With at most 100 lines of at most 10,000 units, a total stays below 10^15, far
    /// inside <c>numeric(18,2)</c> (below 10^16): no input can overflow the column.
    /// </summary>
    public const decimal MaxUnitPrice = 1_000_000_000m;

    /// <summary>Whether <paramref name="value"/> has at most two decimals (1.5, 1.50 and 1.500 do; 1.005 does not).</summary>
    public static bool HasAtMostTwoDecimals(decimal value) => decimal.Round(value, 2) == value;

    /// <summary>The amount with exactly two decimals (4.5 → 4.50), as PostgreSQL returns <c>numeric(18,2)</c>.</summary>
    public static decimal Normalize(decimal value) => decimal.Round(value, 2) + 0.00m;

    /// <summary>The amount in hundredths, for the envelope's <c>TotalCents</c>.</summary>
    public static long ToCents(decimal value) => decimal.ToInt64(decimal.Round(value, 2) * 100m);
}
