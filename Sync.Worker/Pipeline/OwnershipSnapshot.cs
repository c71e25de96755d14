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
