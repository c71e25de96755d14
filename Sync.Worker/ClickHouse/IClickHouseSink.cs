namespace PolyglotAspire.SyncWorker.ClickHouse;

/// <summary>What the committer needs from ClickHouse (a seam for unit tests of the commit logic).</summary>
internal interface IClickHouseSink
{
    /// <summary>One streamed RowBinary insert of the batch's rows, deduplicated by <paramref name="token"/>.</summary>
    Task InsertOrdersAsync(RowBinaryBuffer rows, string token, CancellationToken cancellationToken);

    Task InsertSyncStateAsync(IReadOnlyList<SyncStateRow> rows, CancellationToken cancellationToken);

    Task<IReadOnlyDictionary<int, StoredWatermark>> ReadSyncStateAsync(string topic, CancellationToken cancellationToken);
}
