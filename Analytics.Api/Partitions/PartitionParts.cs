namespace PolyglotAspire.Analytics.Partitions;

/// <summary>
/// One active part of a partition: its name, the insert blocks it holds, [<paramref name="MinBlock"/>,
/// <paramref name="MaxBlock"/>], its data version (a mutation's block number once one rewrote it), its rows, and the
/// range of their created_at (the partition key's min/max index, to the second).
/// </summary>
public readonly record struct PartBlocks(string Name, long MinBlock, long MaxBlock, long DataVersion, long Rows, DateTime MinCreatedAt, DateTime MaxCreatedAt)
{
    public long Granules => (Rows + PartitionParts.GranuleRows - 1) / PartitionParts.GranuleRows;
}

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

    /// <summary>
    /// What a computation reads of this partition (<paramref name="partition"/>): the parts up to
    /// <paramref name="upTo"/>, named as listed here; of changed orders only, those with a version in blocks
    /// (<paramref name="changedAfter"/>, <paramref name="changedUpTo"/>].
    /// </summary>
    public PartitionRead Read(string partition, long upTo, long changedAfter = 0, long changedUpTo = 0) =>
        new(partition, upTo, changedAfter, changedUpTo, [.. Parts.Where(p => p.MaxBlock <= upTo).Select(p => p.Name)]);

    /// <summary>True when a part holds blocks on both sides of <paramref name="block"/>: the rows up to it can no longer be read apart.</summary>
    public bool Straddles(long block) => Parts.Any(p => p.MinBlock <= block && block < p.MaxBlock);

    /// <summary>
    /// True when extending <paramref name="kept"/> by the orders of the newer blocks should cost less than computing the
    /// partition whole. An extension reads, twice (as of the kept block and now), the granules of the kept parts that
    /// the changed orders are in (<see cref="GranulesToExtend"/>); a whole computation reads every granule once and
    /// merges them. Measured under 100 writes/s (perf/results/analytics-20261205-092354.md and -100646.md, the same-run
    /// A/B): partitions of ~400k rows changed by a few orders each answered 2.1–2.6× faster extended; partitions of
    /// ~40k rows (5 granules) 0.7–1.0×, slower; one 400k-row partition cost about the same either way once the changes
    /// spread over its granules (by hand: one changed side 20–40 ms, the whole partition 40–60 ms); the current month of
    /// 411k rows changed by 300 new orders and 150 updates of its last 6 hours, 9–18 ms a side against 33–66 ms whole
    /// (by hand, standalone server, 10 M orders). Hence: at least 16 granules, and granules to read at most a quarter of
    /// them (counting a granule per newer row, as before parts' times were read, kept the current month computed whole).
    /// </summary>
    public bool WorthExtending(PartitionState kept) => Rows >= MinRowsToExtend && GranulesToExtend(kept.LastBlock) * 4 <= Rows / GranuleRows;

    /// <summary>
    /// An estimate of the granules of the parts up to <paramref name="block"/> that the orders of the newer parts are
    /// in. Rows sort by created_at, so a newer part can only touch the granules of a kept part whose created_at overlap
    /// its own: a share of them as large as the share of the kept part's time span it overlaps (rows spread evenly),
    /// and never more than its rows. New orders come after every kept row and touch none; updates of recent orders
    /// touch the last few granules; updates spread over the month count a granule each.
    /// </summary>
    public double GranulesToExtend(long block)
    {
        var kept = Parts.Where(p => p.MaxBlock <= block).ToList();
        double granules = 0;
        foreach (var newer in Parts.Where(p => p.MinBlock > block))
        {
            foreach (var old in kept)
            {
                var overlap = (Min(newer.MaxCreatedAt, old.MaxCreatedAt) - Max(newer.MinCreatedAt, old.MinCreatedAt)).TotalSeconds + 1;
                if (overlap > 0)
                {
                    var share = Math.Min(1, overlap / ((old.MaxCreatedAt - old.MinCreatedAt).TotalSeconds + 1));
                    granules += Math.Min(newer.Rows, Math.Ceiling(old.Granules * share));
                }
            }
        }

        return granules;

        static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;
        static DateTime Max(DateTime a, DateTime b) => a > b ? a : b;
    }

    /// <summary>Rows of every active part (older versions not yet merged away included).</summary>
    public long Rows { get; } = Parts.Sum(p => p.Rows);

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
