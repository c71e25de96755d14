namespace PolyglotAspire.Analytics.Partitions;

/// <summary>
/// The active parts of <c>orders</c> at one moment, per partition (<see cref="PartitionParts"/>). Empty: no parts at
/// all (an empty table, or not a MergeTree, such as the Distributed table of a cluster), so nothing can be reused.
/// </summary>
public sealed record PartsSnapshot(IReadOnlyDictionary<string, PartitionParts> Partitions)
{
    public static readonly PartsSnapshot None = new(new Dictionary<string, PartitionParts>());

    /// <summary>
    /// True when <paramref name="partition"/>, listed earlier as parts of <paramref name="table"/>, was read as listed up
    /// to each of <paramref name="blocks"/>: same table, and no part across any of them now (a merge across one, which
    /// parts never undo, means a query may have read it merged).
    /// </summary>
    public bool ReadAsListed(string partition, string table, params long[] blocks) =>
        Partitions.TryGetValue(partition, out var now) && now.Table == table && !blocks.Any(now.Straddles);

    /// <summary>Every part of <paramref name="partition"/>: those listed here, and any made since.</summary>
    public PartitionRead ReadAll(string partition) =>
        Partitions.TryGetValue(partition, out var parts) ? parts.Read(partition, PartitionRead.Unbounded) : new PartitionRead(partition, PartitionRead.Unbounded);
}
