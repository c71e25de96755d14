using System.Buffers.Binary;
using System.Globalization;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using PolyglotAspire.Contracts.Analytics;

namespace PolyglotAspire.SyncWorker.ClickHouse;

/// <summary>
/// ClickHouse through ClickHouse.Driver's HTTP client: the streamed <c>orders</c> insert, <c>sync_state</c> (the tables
/// of <see cref="OrdersTable"/> and <see cref="SyncStateTable"/>; the schema itself is the migrator's).
/// </summary>
internal sealed class ClickHouseSink(IClickHouseClient client, string? cluster, bool compress) : IClickHouseSink
{
    // A constant: the table name is the contract's, the topic a typed parameter.
    private const string ReadSyncStateSql =
        "SELECT partition, next_offset, lsn, toUnixTimestamp64Milli(as_of), source_system_id, source_timeline FROM " + SyncStateTable.Name +
        " FINAL WHERE topic = {topic:String}";

    public async Task InsertOrdersAsync(RowBinaryBuffer rows, string token, CancellationToken cancellationToken)
    {
        using var response = await client.InsertRawStreamAsync(
            OrdersTable.Name, rows.OpenRead(), "RowBinary", OrdersTable.InsertColumns, compress,
            new QueryOptions { CustomSettings = InsertSettings(token, cluster) }, cancellationToken);
    }

    public async Task InsertSyncStateAsync(IReadOnlyList<SyncStateRow> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }

        using var buffer = new RowBinaryBuffer(4096);
        foreach (var row in rows)
        {
            WriteSyncState(buffer, row);
        }

        using var response = await client.InsertRawStreamAsync(
            SyncStateTable.Name, buffer.OpenRead(), "RowBinary", SyncStateTable.InsertColumns, useCompression: false,
            new QueryOptions { CustomSettings = InsertSettings(token: null, cluster) }, cancellationToken);
    }

    /// <summary>
    /// The settings of every insert the worker makes (a batch already, one part each):
    /// <list type="bullet">
    /// <item><c>async_insert = 0</c>: commit-after-insert needs the rows in the table when the insert answers. A server
    /// or profile that buffers inserts (<c>async_insert = 1</c>, the default this server reports) could acknowledge a
    /// buffer that a crash loses if it also sets <c>wait_for_async_insert = 0</c>, and would drop the token unless
    /// <c>async_insert_deduplicate</c> is on: the worker does not leave its guarantees to server defaults.</item>
    /// <item><paramref name="token"/>: a retry of the same bytes (after a half-known outcome) inserts nothing twice.</item>
    /// <item><c>orders</c> is partitioned by month: a batch of old events (a replay, a backfill) may touch more than the
    /// default 100 months, which must be slower, never refused (a refused batch would stop the pipeline).</item>
    /// <item>On a <paramref name="cluster"/>, a Distributed insert returns only once the shards have the rows (so a commit never runs
    /// ahead of them), and passes the deduplication token on to the shards' inserts.</item>
    /// </list>
    /// </summary>
    internal static Dictionary<string, object> InsertSettings(string? token, string? cluster)
    {
        var settings = new Dictionary<string, object>(4)
        {
            ["async_insert"] = 0,
            ["throw_on_max_partitions_per_insert_block"] = 0,
        };
        if (token is not null)
        {
            settings["insert_deduplication_token"] = token;
        }

        if (!string.IsNullOrWhiteSpace(cluster))
        {
            settings["distributed_foreground_insert"] = 1;
        }

        return settings;
    }

    public async Task<IReadOnlyDictionary<int, StoredWatermark>> ReadSyncStateAsync(string topic, CancellationToken cancellationToken)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("topic", topic);
        using var reader = await client.ExecuteReaderAsync(
            ReadSyncStateSql, parameters, cancellationToken: cancellationToken);
        var result = new Dictionary<int, StoredWatermark>();
        while (reader.Read())
        {
            result[Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture)] = new StoredWatermark(
                Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture),
                Convert.ToUInt64(reader.GetValue(2), CultureInfo.InvariantCulture),
                Convert.ToInt64(reader.GetValue(3), CultureInfo.InvariantCulture),
                Convert.ToUInt64(reader.GetValue(4), CultureInfo.InvariantCulture),
                Convert.ToUInt32(reader.GetValue(5), CultureInfo.InvariantCulture));
        }

        return result;
    }

    /// <summary>RowBinary of a <c>sync_state</c> row (String, UInt32, Int64, UInt64, DateTime64(3), DateTime64(3), UInt64, UInt32).</summary>
    internal static void WriteSyncState(RowBinaryBuffer buffer, SyncStateRow row)
    {
        var topicLength = System.Text.Encoding.UTF8.GetByteCount(row.Topic);
        var span = buffer.GetSpan(5 + topicLength + 4 + 8 + 8 + 8 + 8 + 8 + 4);
        var p = 0;
        var length = (uint)topicLength;
        while (length >= 0x80)
        {
            span[p++] = (byte)(length | 0x80);
            length >>= 7;
        }

        span[p++] = (byte)length;
        p += System.Text.Encoding.UTF8.GetBytes(row.Topic, span[p..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[p..], (uint)row.Partition);
        BinaryPrimitives.WriteInt64LittleEndian(span[(p + 4)..], row.NextOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(span[(p + 12)..], row.Lsn);
        BinaryPrimitives.WriteInt64LittleEndian(span[(p + 20)..], row.AsOfMs);
        BinaryPrimitives.WriteInt64LittleEndian(span[(p + 28)..], row.UpdatedAtMs);
        BinaryPrimitives.WriteUInt64LittleEndian(span[(p + 36)..], row.SourceSystemId);
        BinaryPrimitives.WriteUInt32LittleEndian(span[(p + 44)..], row.SourceTimeline);
        buffer.Advance(p + 48);
    }
}
