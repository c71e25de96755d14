using PolyglotAspire.Analytics.Queries;

namespace PolyglotAspire.Analytics.Partitions;

/// <summary>
/// An aggregate of many groups (key × currency), never changed once built: a change is a new one
/// (<see cref="With"/>), so it can be shared by concurrent answers.
/// </summary>
public sealed class GroupTotals
{
    private readonly Dictionary<(string Key, string Currency), (long Orders, decimal Amount)> _groups;

    private GroupTotals(Dictionary<(string Key, string Currency), (long Orders, decimal Amount)> groups) => _groups = groups;

    public int Count => _groups.Count;

    /// <summary>Sums rows by (key, currency).</summary>
    public static GroupTotals From(IEnumerable<GroupTotal> rows) => new GroupTotals([]).Add(rows, sign: 1);

    /// <summary>
    /// These totals with some orders' contribution replaced: <paramref name="before"/> is what those orders added, and
    /// <paramref name="after"/> what they add now. A group no order is left in is gone, as a query would not return it.
    /// </summary>
    public GroupTotals With(IEnumerable<GroupTotal> before, IEnumerable<GroupTotal> after)
    {
        var (was, now) = (before.ToList(), after.ToList());
        var changed = new GroupTotals(new(_groups)).Add(was, sign: -1).Add(now, sign: 1);
        foreach (var row in was) // only a group an order left can be empty now
        {
            if (changed._groups.TryGetValue((row.Key, row.Currency), out var left) && left is { Orders: 0, Amount: 0 })
            {
                changed._groups.Remove((row.Key, row.Currency));
            }
        }

        return changed;
    }

    /// <summary>The <paramref name="limit"/> largest groups by amount, then by key and currency (ordinal), as the stores order them.</summary>
    public IReadOnlyList<GroupTotal> Largest(int limit)
    {
        // A heap of the best so far whose root is the smallest of them: O(n log limit).
        var best = new PriorityQueue<GroupTotal, GroupTotal>(limit + 1, Comparer<GroupTotal>.Create((a, b) => Rank(b, a)));
        foreach (var ((key, currency), (orders, amount)) in _groups)
        {
            var group = new GroupTotal(key, currency, orders, amount);
            if (best.Count < limit)
            {
                best.Enqueue(group, group);
            }
            else if (limit > 0 && Rank(group, best.Peek()) < 0)
            {
                best.EnqueueDequeue(group, group);
            }
        }

        var rows = new List<GroupTotal>(best.Count);
        while (best.TryDequeue(out var row, out _))
        {
            rows.Add(row);
        }

        rows.Reverse();
        return rows;
    }

    /// <summary>Negative when <paramref name="a"/> comes first: larger amount, then smaller key, then smaller currency.</summary>
    private static int Rank(GroupTotal a, GroupTotal b)
    {
        var byAmount = b.Amount.CompareTo(a.Amount);
        return byAmount != 0 ? byAmount : AnalyticsDefinitions.Compare(a.Key, a.Currency, b.Key, b.Currency);
    }

    private GroupTotals Add(IEnumerable<GroupTotal> rows, int sign)
    {
        foreach (var row in rows)
        {
            var (orders, amount) = _groups.GetValueOrDefault((row.Key, row.Currency));
            _groups[(row.Key, row.Currency)] = (orders + (sign * row.Orders), amount + (sign * row.Amount));
        }

        return this;
    }
}
