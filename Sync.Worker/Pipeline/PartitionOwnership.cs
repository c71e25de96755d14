namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>
/// An immutable view of which partitions this worker owns, each with the epoch it was (last) assigned in.
/// A batch remembers, per partition, the epoch its messages were consumed under; its offsets are committed
/// only if the partition is still owned in that same epoch. So a batch that outlives a revocation (abandoned
/// because ClickHouse was down, say) never commits for a partition another member may now be consuming.
/// </summary>
internal sealed class OwnershipSnapshot
{
    public const int NotOwned = 0;

    public static readonly OwnershipSnapshot Empty = new([]);

    private readonly int[] _epochs;

    private OwnershipSnapshot(int[] epochs) => _epochs = epochs;

    /// <summary>The epoch the partition is owned in, or <see cref="NotOwned"/>.</summary>
    public int EpochOf(int partition) => (uint)partition < (uint)_epochs.Length ? _epochs[partition] : NotOwned;

    public IEnumerable<int> OwnedPartitions
    {
        get
        {
            for (var p = 0; p < _epochs.Length; p++)
            {
                if (_epochs[p] != NotOwned)
                {
                    yield return p;
                }
            }
        }
    }

    public OwnershipSnapshot With(IEnumerable<int> partitions, int epoch)
    {
        var list = partitions.ToList();
        var size = list.Count == 0 ? _epochs.Length : Math.Max(_epochs.Length, list.Max() + 1);
        var epochs = new int[size];
        _epochs.CopyTo(epochs, 0);
        foreach (var p in list)
        {
            epochs[p] = epoch;
        }

        return new OwnershipSnapshot(epochs);
    }
}

/// <summary>
/// The current <see cref="OwnershipSnapshot"/>: changed by the consume thread in the rebalance callbacks, read by
/// the committer from another thread (copy-on-write, so reads take no lock).
/// </summary>
internal sealed class PartitionOwnership
{
    private OwnershipSnapshot _current = OwnershipSnapshot.Empty;
    private int _epoch;

    public OwnershipSnapshot Current => Volatile.Read(ref _current);

    /// <summary>Partitions newly assigned: owned from a fresh epoch on.</summary>
    public void Assign(IEnumerable<int> partitions) =>
        Volatile.Write(ref _current, _current.With(partitions, Interlocked.Increment(ref _epoch)));

    /// <summary>Partitions revoked or lost: no batch may commit for them any more.</summary>
    public void Revoke(IEnumerable<int> partitions) =>
        Volatile.Write(ref _current, _current.With(partitions, OwnershipSnapshot.NotOwned));

    /// <summary>True when <paramref name="partition"/> is still owned in <paramref name="epoch"/>.</summary>
    public bool StillOwns(int partition, int epoch) => epoch != OwnershipSnapshot.NotOwned && Current.EpochOf(partition) == epoch;
}
