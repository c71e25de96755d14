using Microsoft.Extensions.Options;

namespace PolyglotAspire.Analytics.Partitions;

/// <summary>
/// Whole-partition aggregates (<see cref="PartitionAggregate"/>), kept with the parts signature they were computed under and reused only while the
/// partition's signature is unchanged (<see cref="PartsSnapshot"/>): exact by construction, never "fresh enough".
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
    private long _misses;
    private long _evictions;

    private sealed record Entry((string Shape, string Partition) Key, string Signature, PartitionAggregate Aggregate, long Bytes);

    /// <summary>How the cache has done since start: what perf runs and operators read.</summary>
    public (long Hits, long Misses, long Evictions, int Entries, long Bytes) Statistics
    {
        get
        {
            lock (_gate)
            {
                return (_hits, _misses, _evictions, _entries.Count, _bytes);
            }
        }
    }

    /// <summary>The aggregate of <paramref name="partition"/> for <paramref name="shape"/>, if computed under exactly <paramref name="signature"/>.</summary>
    public bool TryGet(string shape, string partition, string signature, out PartitionAggregate aggregate)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue((shape, partition), out var node))
            {
                if (string.Equals(node.Value.Signature, signature, StringComparison.Ordinal))
                {
                    _recency.Remove(node);
                    _recency.AddFirst(node);
                    _hits++;
                    aggregate = node.Value.Aggregate;
                    return true;
                }

                Remove(node); // the partition has changed since: this entry can never match again
            }

            _misses++;
            aggregate = PartitionAggregate.Empty;
            return false;
        }
    }

    /// <summary>Keeps a whole partition's aggregate under the signature read before it was computed.</summary>
    public void Put(string shape, string partition, string signature, PartitionAggregate aggregate)
    {
        var bytes = EstimateBytes(signature, aggregate);
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

            var node = _recency.AddFirst(new Entry((shape, partition), signature, aggregate, bytes));
            _entries[(shape, partition)] = node;
            _bytes += bytes;
            while (_entries.Count > o.PartitionCacheMaxEntries || _bytes > o.PartitionCacheMaxBytes)
            {
                Remove(_recency.Last!);
                _evictions++;
            }
        }
    }

    internal static long EstimateBytes(string signature, PartitionAggregate aggregate)
    {
        long bytes = EntryOverheadBytes + (2L * signature.Length);
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
