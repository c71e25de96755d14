using PolyglotAspire.Analytics.Partitions;

namespace PolyglotAspire.Analytics.UnitTests;

/// <summary>
/// A model of <c>orders</c> in ClickHouse for the aggregator tests: inserts number blocks and make one part per
/// partition, merges join parts, and a computation reads <c>FINAL</c> (each order's highest version, deleted ones
/// dropped) of the parts up to each partition's block (<see cref="PartsScope"/>). It records what was computed.
/// </summary>
internal sealed class OrdersTableModel
{
    private readonly List<Row> _rows = [];
    private long _block;

    /// <summary>The range the tests ask about: the model's months, January to March 2026.</summary>
    public static readonly DateTime QuarterStart = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    public static readonly DateTime QuarterEnd = new(2026, 4, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>One version of an order, in the block that inserted it.</summary>
    public sealed record Row(string Partition, int Order, int Version, DateOnly Day, string Currency, decimal Amount, bool Deleted = false, long Block = 0, string Customer = "eu");

    public Dictionary<string, List<PartBlocks>> Parts { get; } = new(StringComparer.Ordinal);

    /// <summary>What happens to the table right after each parts listing.</summary>
    public Queue<Action> AfterRead { get; } = new();

    public List<PartsScope?> Computed { get; } = [];

    public List<(DateTime From, DateTime To)> Ranges { get; } = [];

    public string Table { get; set; } = "uuid-1";

    public static Row Order(int month, int order, DateOnly day, string currency, decimal amount, int version = 1, bool deleted = false, string customer = "eu") =>
        new($"2026{month:00}", order, version, day, currency, amount, deleted, Customer: customer);

    /// <summary>One insert: one new block, one part per partition it touches.</summary>
    public void Insert(params Row[] rows)
    {
        _block++;
        foreach (var partition in rows.GroupBy(r => r.Partition))
        {
            _rows.AddRange(partition.Select(r => r with { Block = _block }));
            var (first, last) = (partition.Min(r => r.Day).ToDateTime(TimeOnly.MinValue), partition.Max(r => r.Day).ToDateTime(new TimeOnly(23, 59, 59)));
            (Parts.TryGetValue(partition.Key, out var parts) ? parts : Parts[partition.Key] = []).Add(new PartBlocks($"{partition.Key}_{_block}_{_block}_0", _block, _block, _block, partition.Count(), first, last));
        }
    }

    /// <summary>Merges the parts of <paramref name="partition"/> that hold blocks in [<paramref name="min"/>, <paramref name="max"/>] into one.</summary>
    public void Merge(string partition, long min, long max)
    {
        var parts = Parts[partition];
        var merged = parts.Where(p => p.MinBlock >= min && p.MaxBlock <= max).ToList();
        parts.RemoveAll(merged.Contains);
        var (first, last) = (merged.Min(p => p.MinBlock), merged.Max(p => p.MaxBlock));
        parts.Add(new PartBlocks($"{partition}_{first}_{last}_1", first, last, first, merged.Sum(p => p.Rows),
            merged.Min(p => p.MinCreatedAt), merged.Max(p => p.MaxCreatedAt)));
    }

    public void Clear()
    {
        _rows.Clear();
        Parts.Clear();
    }

    public Task<PartsSnapshot> ReadParts(CancellationToken _)
    {
        var snapshot = Parts.Count == 0 ? PartsSnapshot.None : new PartsSnapshot(Parts.ToDictionary(
            p => p.Key, p => new PartitionParts(Table, [.. p.Value]), StringComparer.Ordinal));
        if (AfterRead.TryDequeue(out var change))
        {
            change();
        }

        return Task.FromResult(snapshot);
    }

    /// <summary>The current rows (FINAL) of what the scope reads, over the range's days; recorded as computed.</summary>
    public IEnumerable<Row> Current(PartsScope? scope, DateTime from, DateTime to)
    {
        Computed.Add(scope);
        Ranges.Add((from, to));
        PartBlocks PartOf(Row r) => Parts[r.Partition].Single(p => p.MinBlock <= r.Block && r.Block <= p.MaxBlock);
        bool InPart(Row r, long after, long upTo) => PartOf(r) is var p && p.MinBlock > after && p.MaxBlock <= upTo;
        var reads = scope?.Partitions.ToDictionary(p => p.Partition) ?? Parts.Keys.ToDictionary(p => p, p => new PartitionRead(p, PartitionRead.Unbounded));
        // As the SQL: a part named as listed, or one whose blocks are all up to the bound.
        var visible = _rows.Where(r => reads.TryGetValue(r.Partition, out var read) && ((read.Listed ?? []).Contains(PartOf(r).Name) || InPart(r, long.MinValue, read.UpTo))).ToList();
        if (scope is { ChangedOrdersOnly: true })
        {
            var changed = _rows.Where(r => reads.TryGetValue(r.Partition, out var read) && InPart(r, read.ChangedAfter, read.ChangedUpTo)).Select(r => r.Order).ToHashSet();
            visible.RemoveAll(r => !changed.Contains(r.Order));
        }

        var (first, end) = (DateOnly.FromDateTime(from), DateOnly.FromDateTime(to));
        return visible.GroupBy(r => r.Order).Select(g => g.MaxBy(r => (r.Version, r.Block))!).Where(r => !r.Deleted && r.Day >= first && r.Day < end).ToList();
    }

    /// <summary>Forgets computations from <paramref name="count"/> on (those made to find the expected answer).</summary>
    public void ForgetFrom(int count)
    {
        Computed.RemoveRange(count, Computed.Count - count);
        Ranges.RemoveRange(count, Ranges.Count - count);
    }
}
