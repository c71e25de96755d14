namespace PolyglotAspire.Analytics.Partitions;

/// <summary>
/// The active parts of <c>orders</c> at one moment, per partition: each partition's signature is the table's UUID
/// and the sorted names and checksums of its active parts. MergeTree parts are immutable and every insert, merge or
/// mutation replaces the set of a partition's part names, so two equal signatures mean the same rows; the UUID
/// keeps a recreated or exchanged table (a migration) from matching, and the checksums a part name reused after the
/// table was emptied and the server restarted. Empty: no parts at all (an empty table, or not a MergeTree, such as
/// the Distributed table of a cluster), so nothing can be reused.
/// </summary>
public sealed record PartsSnapshot(IReadOnlyDictionary<string, string> Signatures)
{
    public static readonly PartsSnapshot None = new(new Dictionary<string, string>());
}
