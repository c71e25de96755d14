using PolyglotAspire.Contracts.Analytics;

namespace PolyglotAspire.Analytics.Partitions;

/// <summary>
/// Answers a small grouped question (key × currency) over a created_at range from whole-partition aggregates:
/// partitions wholly inside the range whose parts are unchanged come from <see cref="PartitionResultCache"/>; the
/// rest — partitions that changed, and the at most two the range cuts — are computed in one query and the whole
/// ones kept. A partition's <c>FINAL</c> result depends on its parts alone (<see cref="OrdersTable"/>: every
/// version of an order is in one partition), so the merged answer is exactly the one a full query gives.
/// <para>
/// Order matters, and is the caller's: freshness is read first, then (here) the parts. Whatever the watermark counts
/// as applied was in a committed part before the parts are read, so it is in the signatures and in the answer:
/// read-your-writes holds. Each partition's answer is as of the parts read or later, never older.
/// </para>
/// </summary>
public sealed class PartitionedAggregator
{
    private readonly Func<CancellationToken, Task<PartsSnapshot>> _readParts;
    private readonly PartitionResultCache _cache;

    public PartitionedAggregator(PartsSnapshotReader parts, PartitionResultCache cache)
        : this(parts.ReadAsync, cache)
    {
    }

    /// <summary>With any source of parts snapshots (unit tests).</summary>
    internal PartitionedAggregator(Func<CancellationToken, Task<PartsSnapshot>> readParts, PartitionResultCache cache)
    {
        _readParts = readParts;
        _cache = cache;
    }

    /// <summary>
    /// Computes the given partitions (null: the whole table) over the range, grouped by partition, key and currency.
    /// </summary>
    public delegate Task<IReadOnlyList<PartitionTotal>> Compute(IReadOnlyList<string>? partitions, CancellationToken cancellationToken);

    /// <summary>The totals of <paramref name="shape"/> (what is grouped, and any filter applied in the query) over [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public async Task<IReadOnlyList<GroupTotal>> AggregateAsync(string shape, DateTime from, DateTime to, Compute compute, CancellationToken cancellationToken)
    {
        var snapshot = await _readParts(cancellationToken);
        if (snapshot.Signatures.Count == 0)
        {
            return Merge([(await compute(null, cancellationToken)).Select(p => p.Total)]);
        }

        var reused = new List<IEnumerable<GroupTotal>>();
        var computed = new List<string>();
        var whole = new Dictionary<string, string>(StringComparer.Ordinal); // computed partitions wholly in range: their signatures
        foreach (var (partition, signature) in snapshot.Signatures)
        {
            if (!OrdersTable.TryGetPartitionRange(partition, out var start, out var end))
            {
                computed.Add(partition); // not a month (a version 1 table): always computed, never kept
            }
            else if (end <= from || start >= to)
            {
                // no row of this partition is in the range
            }
            else if (from <= start && end <= to)
            {
                if (_cache.TryGet(shape, partition, signature, out var rows))
                {
                    reused.Add(rows);
                }
                else
                {
                    computed.Add(partition);
                    whole[partition] = signature;
                }
            }
            else
            {
                computed.Add(partition); // cut by the range
            }
        }

        if (computed.Count > 0)
        {
            var byPartition = (await compute(computed, cancellationToken)).ToLookup(p => p.Partition, p => p.Total, StringComparer.Ordinal);
            foreach (var partition in computed)
            {
                var rows = byPartition[partition].ToArray();
                reused.Add(rows);
                if (whole.TryGetValue(partition, out var signature))
                {
                    _cache.Put(shape, partition, signature, rows); // also when empty: all of it deleted is an answer too
                }
            }
        }

        return Merge(reused);
    }

    /// <summary>Sums the groups of every partition by (key, currency).</summary>
    private static List<GroupTotal> Merge(IEnumerable<IEnumerable<GroupTotal>> partitions)
    {
        var sums = new Dictionary<(string Key, string Currency), (long Orders, decimal Amount)>();
        foreach (var rows in partitions)
        {
            foreach (var row in rows)
            {
                var (orders, amount) = sums.GetValueOrDefault((row.Key, row.Currency));
                sums[(row.Key, row.Currency)] = (orders + row.Orders, amount + row.Amount);
            }
        }

        return [.. sums.Select(s => new GroupTotal(s.Key.Key, s.Key.Currency, s.Value.Orders, s.Value.Amount))];
    }
}
