namespace PolyglotAspire.Analytics.Partitions;

/// <summary>
/// What a computation reads of one partition: the parts whose blocks are all at or below <paramref name="UpTo"/>
/// (<see cref="long.MaxValue"/>: every part); when the computation is of changed orders only, only the orders with a
/// version in a part of blocks (<paramref name="ChangedAfter"/>, <paramref name="ChangedUpTo"/>].
/// <paramref name="Listed"/> names those parts as listed (<see cref="PartitionParts.Read"/>): ClickHouse takes a named
/// part whole, so the block bound is worked out row by row only in parts made since (merges), not in every row.
/// </summary>
public readonly record struct PartitionRead(string Partition, long UpTo, long ChangedAfter = 0, long ChangedUpTo = 0, IReadOnlyList<string>? Listed = null)
{
    public const long Unbounded = long.MaxValue;
}

/// <summary>The partitions a computation reads, and whether of changed orders only (<see cref="PartitionRead"/>).</summary>
public sealed record PartsScope(IReadOnlyList<PartitionRead> Partitions, bool ChangedOrdersOnly = false);
