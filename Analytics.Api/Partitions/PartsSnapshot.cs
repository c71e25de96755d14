namespace PolyglotAspire.Analytics.Partitions;

/// <summary>
/// The active parts of <c>orders</c> at one moment, per partition (<see cref="PartitionParts"/>). Empty: no parts at
/// all (an empty table, or not a MergeTree, such as the Distributed table of a cluster), so nothing can be reused.
/// </summary>
public sealed record PartsSnapshot(IReadOnlyDictionary<string, PartitionParts> Partitions)
{
    public static readonly PartsSnapshot None = new(new Dictionary<string, PartitionParts>());
}
