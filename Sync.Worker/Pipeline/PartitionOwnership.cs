namespace PolyglotAspire.SyncWorker.Pipeline;

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
