namespace PolyglotAspire.Analytics.Partitions;

/// <summary>A <see cref="GroupTotal"/> of one partition, as a query grouped by <c>_partition_id</c> returns it.</summary>
public readonly record struct PartitionTotal(string Partition, GroupTotal Total);
