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
    public PartitionAggregate With(IEnumerable<(DateOnly Day, GroupTotal Total)> before, IEnumerable<(DateOnly Day, GroupTotal Total)> after) =>
        From(Days.Concat(after).Concat(before.Select(b => (b.Day, Total: b.Total with { Orders = -b.Total.Orders, Amount = -b.Total.Amount })))
            .GroupBy(d => d.Day)
            .SelectMany(day => Sum(day.Select(d => d.Total)).Where(t => t is not { Orders: 0, Amount: 0 }).Select(t => (day.Key, t))));

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
