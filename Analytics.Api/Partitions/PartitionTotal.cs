namespace PolyglotAspire.Analytics.Partitions;

/// <summary>A <see cref="GroupTotal"/> of one UTC day of one partition, as a query grouped by <c>_partition_id</c> and day returns it.</summary>
public readonly record struct PartitionTotal(string Partition, DateOnly Day, GroupTotal Total);
