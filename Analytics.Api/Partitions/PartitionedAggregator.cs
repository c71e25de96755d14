using PolyglotAspire.Contracts.Analytics;

namespace PolyglotAspire.Analytics.Partitions;

/// <summary>
/// Answers a small grouped question (key × currency) over a created_at range from whole-partition aggregates: a
/// partition whose parts are unchanged comes from <see cref="PartitionResultCache"/> — its sum when the range holds all
/// of it, its days when the range is whole days that cut it — and the rest (partitions that changed; partitions cut by
/// a range that is not whole days) are computed in one query, the whole ones kept. A partition's <c>FINAL</c> result
/// depends on its parts alone (<see cref="OrdersTable"/>: every version of an order is in one partition), so the merged
/// answer is exactly the one a full query gives.
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
    /// Computes the given partitions (null: the whole table) over [<paramref name="from"/>, <paramref name="to"/>),
    /// grouped by partition, UTC day, key and currency.
    /// </summary>
    public delegate Task<IReadOnlyList<PartitionTotal>> Compute(IReadOnlyList<string>? partitions, DateTime from, DateTime to, CancellationToken cancellationToken);

    /// <summary>The totals of <paramref name="shape"/> (what is grouped, and any filter applied in the query) over [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public async Task<IReadOnlyList<GroupTotal>> AggregateAsync(string shape, DateTime from, DateTime to, Compute compute, CancellationToken cancellationToken)
    {
        var snapshot = await _readParts(cancellationToken);
        if (snapshot.Signatures.Count == 0)
        {
            return PartitionAggregate.Sum((await compute(null, from, to, cancellationToken)).Select(p => p.Total));
        }

        var wholeDays = from.TimeOfDay == TimeSpan.Zero && to.TimeOfDay == TimeSpan.Zero;
        var answers = new List<IEnumerable<GroupTotal>>();
        var whole = new Dictionary<string, (string Signature, DateTime Start, DateTime End)>(StringComparer.Ordinal); // computed, to keep
        var ranged = new List<string>(); // computed over the range only, never kept
        foreach (var (partition, signature) in snapshot.Signatures)
        {
            if (!OrdersTable.TryGetPartitionRange(partition, out var start, out var end))
            {
                ranged.Add(partition); // not a month (a version 1 table): always computed
            }
            else if (end <= from || start >= to)
            {
                // no row of this partition is in the range
            }
            else if (wholeDays || (from <= start && end <= to))
            {
                if (_cache.TryGet(shape, partition, signature, out var kept))
                {
                    answers.Add(Answer(kept, start, end, from, to));
                }
                else
                {
                    whole[partition] = (signature, start, end);
                }
            }
            else
            {
                ranged.Add(partition); // cut by a range that is not whole days
            }
        }

        if (whole.Count + ranged.Count > 0)
        {
            // One query: over the whole of the partitions to keep, unless some must be cut by the range anyway.
            var (queryFrom, queryTo) = ranged.Count == 0 ? (whole.Values.Min(w => w.Start), whole.Values.Max(w => w.End)) : (from, to);
            var rows = (await compute([.. whole.Keys, .. ranged], queryFrom, queryTo, cancellationToken))
                .ToLookup(p => p.Partition, p => (p.Day, p.Total), StringComparer.Ordinal);
            foreach (var (partition, (signature, start, end)) in whole)
            {
                if (queryFrom <= start && end <= queryTo)
                {
                    var computed = PartitionAggregate.From(rows[partition]);
                    _cache.Put(shape, partition, signature, computed); // also when empty: all of it deleted is an answer too
                    answers.Add(Answer(computed, start, end, from, to));
                }
                else
                {
                    answers.Add(rows[partition].Select(r => r.Total)); // computed over the range already
                }
            }

            answers.AddRange(ranged.Select(partition => rows[partition].Select(r => r.Total)));
        }

        return PartitionAggregate.Sum(answers.SelectMany(a => a));
    }

    /// <summary>A whole partition's part of the answer: all of it, or the range's whole days of it.</summary>
    private static IEnumerable<GroupTotal> Answer(PartitionAggregate aggregate, DateTime start, DateTime end, DateTime from, DateTime to) =>
        from <= start && end <= to ? aggregate.Totals : aggregate.Within(from, to);
}
