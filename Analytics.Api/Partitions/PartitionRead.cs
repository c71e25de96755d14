namespace PolyglotAspire.Analytics.Partitions;

/// <summary>
/// What a computation reads of one partition: the parts whose blocks are all at or below <paramref name="UpTo"/>
/// (<see cref="long.MaxValue"/>: every part); when the computation is of changed orders only, only the orders with a
/// version in a part of blocks (<paramref name="ChangedAfter"/>, <paramref name="ChangedUpTo"/>].
/// </summary>
public readonly record struct PartitionRead(string Partition, long UpTo, long ChangedAfter = 0, long ChangedUpTo = 0)
{
    public const long Unbounded = long.MaxValue;
}

/// <summary>The partitions a computation reads, and whether of changed orders only (<see cref="PartitionRead"/>).</summary>
public sealed record PartsScope(IReadOnlyList<PartitionRead> Partitions, bool ChangedOrdersOnly = false);
