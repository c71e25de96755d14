using Microsoft.Extensions.Options;

namespace PolyglotAspire.Analytics.Partitions;

/// <summary>
/// Whole-partition aggregates (<see cref="PartitionAggregate"/>), each kept with the <see cref="PartitionState"/> it is
/// exactly the result of, and given out only while the partition's parts still hold that state
/// (<see cref="PartitionParts.StillHolds"/>): as it is when no block came since, or as the base that the changes of the
/// newer blocks are applied to (<see cref="PartitionedAggregator"/>). Exact by construction, never "fresh enough".
/// Bounded by entries and by an estimate of the bytes held; the least recently used entries go first.
/// </summary>
public sealed class PartitionResultCache(IOptions<AnalyticsOptions> options)
{
    /// <summary>Per row: the record, two string objects and their characters (estimated), the day, the amount, the count.</summary>
    private const int RowOverheadBytes = 104;
    private const int EntryOverheadBytes = 160;

    private readonly Lock _gate = new();
    private readonly Dictionary<(string Shape, string Partition), LinkedListNode<Entry>> _entries = [];
    private readonly LinkedList<Entry> _recency = new(); // most recently used first
    private long _bytes;
    private long _hits;
    private long _extensions;
    private long _misses;
    private long _evictions;

    private sealed record Entry((string Shape, string Partition) Key, PartitionState State, PartitionAggregate Aggregate, long Bytes);

    /// <summary>
    /// How the cache has done since start, in partitions: reused as kept, extended by the changes of newer blocks,
    /// computed whole (missing or no longer exact). What perf runs and operators read.
    /// </summary>
    public (long Hits, long Extensions, long Misses, long Evictions, int Entries, long Bytes) Statistics
    {
        get
        {
            lock (_gate)
            {
                return (_hits, _extensions, _misses, _evictions, _entries.Count, _bytes);
            }
        }
    }

    /// <summary>
    /// The aggregate kept of <paramref name="partition"/> for <paramref name="shape"/> and the state it is the result
    /// of, if <paramref name="now"/> still holds that state: current when no newer block came since; otherwise the
    /// caller applies the changes of the newer blocks (and counts as an extension).
    /// </summary>
    public bool TryGet(string shape, string partition, PartitionParts now, out PartitionAggregate aggregate, out PartitionState state)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue((shape, partition), out var node))
            {
                var kept = node.Value.State;
                if (now.StillHolds(kept) && (kept.LastBlock == now.LastBlock || Extends(now, kept)))
                {
                    _recency.Remove(node);
                    _recency.AddFirst(node);
                    (aggregate, state) = (node.Value.Aggregate, node.Value.State);
                    if (state.LastBlock == now.LastBlock)
                    {
                        _hits++;
                    }
                    else
                    {
                        _extensions++;
                    }

                    return true;
                }

                Remove(node); // merged across, mutated or replaced since (this entry can never be exact again), or cheaper computed whole
            }

            _misses++;
            (aggregate, state) = (PartitionAggregate.Empty, default);
            return false;
        }
    }

    /// <summary>Keeps a whole partition's aggregate as the exact result of <paramref name="state"/>.</summary>
    public void Put(string shape, string partition, PartitionState state, PartitionAggregate aggregate)
    {
        var bytes = EstimateBytes(state, aggregate);
        var o = options.Value;
        if (o.PartitionCacheMaxEntries == 0 || bytes > o.PartitionCacheMaxBytes)
        {
            return;
        }

        lock (_gate)
        {
            if (_entries.TryGetValue((shape, partition), out var existing))
            {
                Remove(existing);
            }

            var node = _recency.AddFirst(new Entry((shape, partition), state, aggregate, bytes));
            _entries[(shape, partition)] = node;
            _bytes += bytes;
            while (_entries.Count > o.PartitionCacheMaxEntries || _bytes > o.PartitionCacheMaxBytes)
            {
                Remove(_recency.Last!);
                _evictions++;
            }
        }
    }

    private bool Extends(PartitionParts now, PartitionState kept) => options.Value.ExtendKeptPartitions switch
    {
        PartitionExtension.Always => true,
        PartitionExtension.WhenCheaper => now.WorthExtending(kept),
        _ => false,
    };

    internal static long EstimateBytes(PartitionState state, PartitionAggregate aggregate)
    {
        long bytes = EntryOverheadBytes + (2L * state.Table.Length);
        foreach (var row in aggregate.Days.Select(d => d.Total).Concat(aggregate.Totals))
        {
            bytes += RowOverheadBytes + (2L * (row.Key.Length + row.Currency.Length));
        }

        return bytes;
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        _recency.Remove(node);
        _entries.Remove(node.Value.Key);
        _bytes -= node.Value.Bytes;
    }
}
