using PolyglotAspire.Contracts.Analytics;

namespace PolyglotAspire.Analytics.Partitions;

/// <summary>
/// Answers a small grouped question (key × currency) over a created_at range from whole-partition aggregates kept in
/// <see cref="PartitionResultCache"/>, each the exact result of a partition's rows up to an insert block
/// (<see cref="PartitionParts"/>). A partition in the range is, in order of cost:
/// <list type="bullet">
/// <item>reused: no block came since — its sum when the range holds all of it, its days when the range is whole days that cut it;</item>
/// <item>extended: newer blocks came, but the kept rows are still exactly those rows. Only the orders with a version
/// in the newer blocks can have changed their contribution, so their contribution as of the kept block is taken out
/// and their contribution now put in (two small queries of those orders only; <c>FINAL</c> over the parts up to a
/// block is exactly the table as of that block);</item>
/// <item>computed whole (missing, merged across its block, mutated, replaced), then kept;</item>
/// <item>computed over the range only and never kept (cut by a range that is not whole days; not a month).</item>
/// </list>
/// Every computation reads the parts up to the blocks it is the result of, so a kept result is exact for that block
/// whatever was inserted meanwhile. It relies on those parts being read as they were listed: the parts are listed again
/// after the queries, and a partition that then holds a part across one of the blocks it was read up to (a merge
/// across it, which parts never undo) is computed once more, unbounded, and not kept.
/// <para>
/// Order matters, and is the caller's: freshness is read first, then (here) the parts. Whatever the watermark counts
/// as applied was in a committed part before the parts are listed, so it is at or below the blocks read, and in the
/// answer: read-your-writes holds. Each partition's answer is as of the parts listed or later, never older.
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
    /// Computes over [<paramref name="from"/>, <paramref name="to"/>) what <paramref name="scope"/> reads (null: the
    /// whole table), grouped by partition, UTC day, key and currency.
    /// </summary>
    public delegate Task<IReadOnlyList<PartitionTotal>> Compute(PartsScope? scope, DateTime from, DateTime to, CancellationToken cancellationToken);

    /// <summary>A partition in the range: its parts as listed, and the created_at range it holds.</summary>
    private sealed record Planned(string Partition, PartitionParts Parts, DateTime Start, DateTime End);

    /// <summary>The totals of <paramref name="shape"/> (what is grouped, and any filter applied in the query) over [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public async Task<IReadOnlyList<GroupTotal>> AggregateAsync(string shape, DateTime from, DateTime to, Compute compute, CancellationToken cancellationToken)
    {
        var snapshot = await _readParts(cancellationToken);
        if (snapshot.Partitions.Count == 0)
        {
            return PartitionAggregate.Sum((await compute(null, from, to, cancellationToken)).Select(p => p.Total));
        }

        var wholeDays = from.TimeOfDay == TimeSpan.Zero && to.TimeOfDay == TimeSpan.Zero;
        var answers = new List<IEnumerable<GroupTotal>>();
        var whole = new List<Planned>(); // computed whole, to keep
        var extended = new List<(Planned Planned, PartitionAggregate Kept, PartitionState State)>();
        var ranged = new List<string>(); // computed over the range only, never kept
        foreach (var (partition, parts) in snapshot.Partitions)
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
                var planned = new Planned(partition, parts, start, end);
                if (!_cache.TryGet(shape, partition, parts, out var kept, out var state))
                {
                    whole.Add(planned);
                }
                else if (state.LastBlock == parts.LastBlock)
                {
                    answers.Add(Answer(kept, start, end, from, to));
                }
                else
                {
                    extended.Add((planned, kept, state));
                }
            }
            else
            {
                ranged.Add(partition); // cut by a range that is not whole days
            }
        }

        if (whole.Count + ranged.Count + extended.Count == 0)
        {
            return PartitionAggregate.Sum(answers.SelectMany(a => a));
        }

        // One query for what is computed in full: over the whole of the partitions to keep, unless some must be cut by the range anyway.
        var (wholeFrom, wholeTo) = ranged.Count == 0 && whole.Count > 0 ? (whole.Min(w => w.Start), whole.Max(w => w.End)) : (from, to);
        var computing = whole.Count + ranged.Count == 0 ? Task.FromResult<IReadOnlyList<PartitionTotal>>([]) : compute(
            new PartsScope([.. whole.Select(w => w.Parts.Read(w.Partition, w.Parts.LastBlock)), .. ranged.Select(snapshot.ReadAll)]),
            wholeFrom, wholeTo, cancellationToken);
        // And two for the extended ones' changed orders: as of the kept block, and as of the listed one.
        var (changedFrom, changedTo) = extended.Count == 0 ? (from, to) : (extended.Min(e => e.Planned.Start), extended.Max(e => e.Planned.End));
        var before = ChangedAsync(e => e.State.LastBlock);
        var after = ChangedAsync(e => e.Planned.Parts.LastBlock);
        await Task.WhenAll(computing, before, after);

        // Read as listed? A part across a block a partition was read up to means it was not (see above): those are asked again.
        var check = whole.Count + extended.Count == 0 ? snapshot : await _readParts(cancellationToken);
        bool ReadAsListed(Planned p, params long[] blocks) => check.ReadAsListed(p.Partition, p.Parts.Table, blocks);
        var again = new List<Planned>();

        var rows = (await computing).ToLookup(p => p.Partition, p => (p.Day, p.Total), StringComparer.Ordinal);
        foreach (var planned in whole)
        {
            if (!ReadAsListed(planned, planned.Parts.LastBlock))
            {
                again.Add(planned);
            }
            else if (wholeFrom <= planned.Start && planned.End <= wholeTo)
            {
                var computed = PartitionAggregate.From(rows[planned.Partition]);
                _cache.Put(shape, planned.Partition, planned.Parts.State, computed); // also when empty: all of it deleted is an answer too
                answers.Add(Answer(computed, planned.Start, planned.End, from, to));
            }
            else
            {
                answers.Add(rows[planned.Partition].Select(r => r.Total)); // computed over the range already
            }
        }

        answers.AddRange(ranged.Select(partition => rows[partition].Select(r => r.Total)));

        var (was, now) = ((await before).ToLookup(p => p.Partition, p => (p.Day, p.Total), StringComparer.Ordinal),
            (await after).ToLookup(p => p.Partition, p => (p.Day, p.Total), StringComparer.Ordinal));
        foreach (var (planned, kept, state) in extended)
        {
            if (!ReadAsListed(planned, state.LastBlock, planned.Parts.LastBlock))
            {
                again.Add(planned);
                continue;
            }

            var current = kept.With(was[planned.Partition], now[planned.Partition]);
            _cache.Put(shape, planned.Partition, planned.Parts.State, current);
            answers.Add(Answer(current, planned.Start, planned.End, from, to));
        }

        if (again.Count > 0)
        {
            // Unbounded and never kept: exact as of the parts this query reads, which are newer than the ones listed.
            var once = await compute(new PartsScope([.. again.Select(a => check.ReadAll(a.Partition))]), from, to, cancellationToken);
            answers.Add(once.Select(r => r.Total));
        }

        return PartitionAggregate.Sum(answers.SelectMany(a => a));

        Task<IReadOnlyList<PartitionTotal>> ChangedAsync(Func<(Planned Planned, PartitionAggregate Kept, PartitionState State), long> upTo) =>
            extended.Count == 0 ? Task.FromResult<IReadOnlyList<PartitionTotal>>([]) : compute(
                new PartsScope([.. extended.Select(e => e.Planned.Parts.Read(e.Planned.Partition, upTo(e), e.State.LastBlock, e.Planned.Parts.LastBlock))], ChangedOrdersOnly: true),
                changedFrom, changedTo, cancellationToken);
    }

    /// <summary>A whole partition's part of the answer: all of it, or the range's whole days of it.</summary>
    private static IEnumerable<GroupTotal> Answer(PartitionAggregate aggregate, DateTime start, DateTime end, DateTime from, DateTime to) =>
        from <= start && end <= to ? aggregate.Totals : aggregate.Within(from, to);
}
