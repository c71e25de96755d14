namespace PolyglotAspire.Analytics.Partitions;

/// <summary>
/// One active part of a partition: the insert blocks it holds, [<paramref name="MinBlock"/>, <paramref name="MaxBlock"/>],
/// its data version (a mutation's block number once one rewrote it) and its rows.
/// </summary>
public readonly record struct PartBlocks(long MinBlock, long MaxBlock, long DataVersion, long Rows);

/// <summary>
/// What a kept partition result is a result of: the table (its UUID: a recreated or exchanged table never matches),
/// and the rows of every insert block from <paramref name="FirstBlock"/> up to <paramref name="LastBlock"/>.
/// </summary>
public readonly record struct PartitionState(string Table, long FirstBlock, long LastBlock);

/// <summary>
/// One partition's active parts at one moment. On one server a MergeTree numbers insert blocks as it commits them
/// (under its parts lock), so "every row of the blocks up to B" is a fixed set of rows once B is committed, and
/// merges do not change what <c>FINAL</c> makes of it: they keep each order's latest version of the rows they merge.
/// Only three things change it: a mutation (the data version of a part moves past B), a part holding blocks on both
/// sides of B (a merge across it: those rows can no longer be read apart), and parts removed or the table replaced
/// (the first block or the UUID moves). Nothing in the app mutates or drops parts of <c>orders</c>; a rebuild
/// exchanges the table (Sync.Worker/Schema, Sync.Worker/Backfill).
/// </summary>
public sealed record PartitionParts(string Table, IReadOnlyList<PartBlocks> Parts)
{
    public long FirstBlock { get; } = Parts.Min(p => p.MinBlock);

    public long LastBlock { get; } = Parts.Max(p => p.MaxBlock);

    /// <summary>Rows of a granule, the unit ClickHouse reads (the table's <c>index_granularity</c>, the default).</summary>
    public const long GranuleRows = 8_192;

    /// <summary>Below this many rows (16 granules) a partition is computed whole rather than extended.</summary>
    public const long MinRowsToExtend = 16 * GranuleRows;

    /// <summary>The state a result computed over every part here is a result of.</summary>
    public PartitionState State => new(Table, FirstBlock, LastBlock);

    /// <summary>True when a part holds blocks on both sides of <paramref name="block"/>: the rows up to it can no longer be read apart.</summary>
    public bool Straddles(long block) => Parts.Any(p => p.MinBlock <= block && block < p.MaxBlock);

    /// <summary>
    /// True when extending <paramref name="kept"/> by the orders of the newer blocks should cost less than computing the
    /// partition whole. An extension reads, twice (as of the kept block and now), a granule per changed order; a
    /// whole computation reads every granule once and merges them. Measured under 100 writes/s
    /// (perf/results/analytics-20261205-092354.md and -100646.md, the same-run A/B): partitions of ~400k rows changed
    /// by a few orders each answered 2.1–2.6× faster extended; partitions of ~40k rows (5 granules) 0.7–1.0×, slower;
    /// one 400k-row partition cost about the same either way once the changes spread over its granules (by hand:
    /// one changed side 20–40 ms, the whole partition 40–60 ms). Hence: at least 16 granules, and newer rows (an
    /// upper bound on the changed orders) at most a quarter of them.
    /// </summary>
    public bool WorthExtending(PartitionState kept) => Rows >= MinRowsToExtend && RowsAfter(kept.LastBlock) * 4 <= Rows / GranuleRows;

    /// <summary>Rows of every active part (older versions not yet merged away included).</summary>
    public long Rows => Parts.Sum(p => p.Rows);

    /// <summary>Rows of the parts whose blocks all come after <paramref name="block"/>.</summary>
    public long RowsAfter(long block) => Parts.Where(p => p.MinBlock > block).Sum(p => p.Rows);

    /// <summary>
    /// True when the rows of <paramref name="kept"/> are still exactly the rows of the parts up to its last block,
    /// unchanged: a result of them stays exact, and only newer blocks can have changed the partition's answer.
    /// </summary>
    public bool StillHolds(PartitionState kept) =>
        string.Equals(Table, kept.Table, StringComparison.Ordinal)
        && FirstBlock == kept.FirstBlock
        && LastBlock >= kept.LastBlock
        && !Straddles(kept.LastBlock)
        && Parts.All(p => p.MaxBlock > kept.LastBlock || p.DataVersion <= kept.LastBlock);
}
