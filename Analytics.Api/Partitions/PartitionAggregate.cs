namespace PolyglotAspire.Analytics.Partitions;

/// <summary>
/// What the cache keeps of one partition for one question: its groups per UTC day, and their sum over the whole
/// partition. The sum answers a range that holds the whole partition; the days answer a range of whole days that cuts it.
/// </summary>
public sealed class PartitionAggregate
{
    private PartitionAggregate((DateOnly Day, GroupTotal Total)[] days, GroupTotal[] totals) => (Days, Totals) = (days, totals);

    public static readonly PartitionAggregate Empty = new([], []);

    public (DateOnly Day, GroupTotal Total)[] Days { get; }

    public GroupTotal[] Totals { get; }

    public static PartitionAggregate From(IEnumerable<(DateOnly Day, GroupTotal Total)> days)
    {
        var byDay = days.ToArray();
        return new PartitionAggregate(byDay, [.. Sum(byDay.Select(d => d.Total))]);
    }

    /// <summary>
    /// This aggregate with some orders' contribution replaced: <paramref name="before"/> is what those orders added
    /// to it, <paramref name="after"/> what they add now. A group no order is left in is gone, as a query would not return it.
    /// </summary>
    public PartitionAggregate With(IEnumerable<(DateOnly Day, GroupTotal Total)> before, IEnumerable<(DateOnly Day, GroupTotal Total)> after)
    {
        var days = new Dictionary<(DateOnly Day, string Key, string Currency), (long Orders, decimal Amount)>();
        foreach (var (sign, rows) in new[] { (1, Days), (-1, before), (1, after) })
        {
            foreach (var (day, total) in rows)
            {
                var (orders, amount) = days.GetValueOrDefault((day, total.Key, total.Currency));
                days[(day, total.Key, total.Currency)] = (orders + (sign * total.Orders), amount + (sign * total.Amount));
            }
        }

        return From(days.Where(d => d.Value is not (0, 0m))
            .Select(d => (d.Key.Day, new GroupTotal(d.Key.Key, d.Key.Currency, d.Value.Orders, d.Value.Amount))));
    }

    /// <summary>The groups of the days in [<paramref name="from"/>, <paramref name="to"/>) — both whole UTC days.</summary>
    public IEnumerable<GroupTotal> Within(DateTime from, DateTime to)
    {
        var (first, end) = (DateOnly.FromDateTime(from), DateOnly.FromDateTime(to));
        return Sum(Days.Where(d => d.Day >= first && d.Day < end).Select(d => d.Total));
    }

    /// <summary>Sums groups by (key, currency).</summary>
    public static List<GroupTotal> Sum(IEnumerable<GroupTotal> rows)
    {
        var sums = new Dictionary<(string Key, string Currency), (long Orders, decimal Amount)>();
        foreach (var row in rows)
        {
            var (orders, amount) = sums.GetValueOrDefault((row.Key, row.Currency));
            sums[(row.Key, row.Currency)] = (orders + row.Orders, amount + row.Amount);
        }

        return [.. sums.Select(s => new GroupTotal(s.Key.Key, s.Key.Currency, s.Value.Orders, s.Value.Amount))];
    }
}
