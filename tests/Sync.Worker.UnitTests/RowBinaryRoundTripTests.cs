using System.Globalization;
using ClickHouse.Driver;
using PolyglotAspire.Contracts;
using PolyglotAspire.Contracts.Analytics;
using PolyglotAspire.SyncWorker.ClickHouse;
using PolyglotAspire.SyncWorker.Encoding;

namespace PolyglotAspire.SyncWorker.UnitTests;

/// <summary>
/// The transcoder's RowBinary, parsed by ClickHouse itself: events go through the real insert path
/// (<see cref="ClickHouseSink"/>, InsertRawStreamAsync into the contract's <c>orders</c> table) and every column
/// read back must equal the event it came from.
/// </summary>
public sealed class RowBinaryRoundTripTests(EngineFixture engine)
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    private static RowBinaryBuffer Transcode(IEnumerable<OrderEvent> events)
    {
        var buffer = new RowBinaryBuffer(64 << 10); // small chunks: rows straddle many chunk boundaries
        foreach (var e in events)
        {
            var bytes = Envelopes.Bytes(e);
            var span = buffer.GetSpan(EnvelopeTranscoder.MaxRowLength(bytes.Length));
            EnvelopeTranscoder.Transcode(bytes, span, out var info);
            Assert.Equal(EnvelopeKind.Order, info.Kind);
            buffer.Advance(info.RowLength);
        }

        return buffer;
    }

    private static async Task<ClickHouseSink> SinkAsync(ClickHouseClient client, CancellationToken ct)
    {
        await TestSchema.MigrateAsync(client, ct);
        return new ClickHouseSink(client, cluster: null, compress: false);
    }

    [Fact]
    public async Task Every_column_reads_back_as_the_event_that_produced_it()
    {
        using var client = await engine.CreateDatabaseAsync();
        var sink = await SinkAsync(client, _ct);
        var random = new Random(42);
        var events = Enumerable.Range(0, 5000).Select(i => Envelopes.Random(random, (OrderEventType)(1 + (i % 3)))).ToList();
        events.Add(Envelopes.Random(random) with
        {
            OrderVersion = int.MaxValue,
            CommitLsn = ulong.MaxValue,
            TotalCents = -999_999_999_999_999_999,
            CreatedAtMs = -2_208_988_800_000,
            CommitTimeMs = 10_413_791_999_999,
            LineCount = ushort.MaxValue,
            CustomerId = "Ünïcødé 顧客 " + new string('x', 200) + new string('é', 9000),
            Region = "",
            Currency = "€",
        });
        events.Add(Envelopes.Random(random) with { EventId = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff"), OrderId = Guid.Empty, TotalCents = 0 });

        using var rows = Transcode(events);
        Assert.True(rows.ChunkCount > 5);
        await sink.InsertOrdersAsync(rows, "round-trip-1", _ct);

        using var reader = await client.ExecuteReaderAsync(
            """
            SELECT toString(event_id), is_deleted, toString(order_id), version, commit_lsn, toUnixTimestamp64Milli(commit_time),
                   customer_id, region, currency, status, toString(total), toUnixTimestamp64Milli(created_at), line_count,
                   _synced_at > now64(3) - INTERVAL 1 HOUR
            FROM orders
            """, cancellationToken: _ct);
        var byId = events.ToDictionary(e => e.EventId);
        var seen = 0;
        while (reader.Read())
        {
            var e = byId[Guid.Parse(reader.GetString(0))];
            var at = $"event {e.EventId}";
            Assert.True((e.EventType == OrderEventType.Deleted ? 1 : 0) == Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture), at);
            Assert.Equal(e.OrderId, Guid.Parse(reader.GetString(2)));
            Assert.Equal((uint)e.OrderVersion, Convert.ToUInt32(reader.GetValue(3), CultureInfo.InvariantCulture));
            Assert.Equal(e.CommitLsn, Convert.ToUInt64(reader.GetValue(4), CultureInfo.InvariantCulture));
            Assert.Equal(e.CommitTimeMs, Convert.ToInt64(reader.GetValue(5), CultureInfo.InvariantCulture));
            Assert.Equal(e.CustomerId, reader.GetString(6));
            Assert.Equal(e.Region, reader.GetString(7));
            Assert.Equal(e.Currency, reader.GetString(8));
            Assert.Equal(e.Status, reader.GetString(9));
            Assert.Equal(e.TotalCents, (long)(decimal.Parse(reader.GetString(10), CultureInfo.InvariantCulture) * 100));
            Assert.Equal(e.CreatedAtMs, Convert.ToInt64(reader.GetValue(11), CultureInfo.InvariantCulture));
            Assert.Equal(e.LineCount, Convert.ToInt32(reader.GetValue(12), CultureInfo.InvariantCulture));
            Assert.Equal(1, Convert.ToInt32(reader.GetValue(13), CultureInfo.InvariantCulture)); // _synced_at took its default
            seen++;
        }

        Assert.Equal(events.Count, seen);
    }

    [Fact]
    public async Task A_retried_batch_with_the_same_token_is_written_once()
    {
        using var client = await engine.CreateDatabaseAsync();
        var sink = await SinkAsync(client, _ct);
        var random = new Random(1);
        using var rows = Transcode(Enumerable.Range(0, 1000).Select(_ => Envelopes.Random(random)));

        await sink.InsertOrdersAsync(rows, "orders.events:0@0-999#1", _ct);
        await sink.InsertOrdersAsync(rows, "orders.events:0@0-999#1", _ct); // a retry after an unknown outcome
        Assert.Equal(1000UL, await ScalarAsync<ulong>(client, "SELECT count() FROM orders"));

        await sink.InsertOrdersAsync(rows, "orders.events:0@0-999#2", _ct); // another token: written again ...
        Assert.Equal(2000UL, await ScalarAsync<ulong>(client, "SELECT count() FROM orders"));
        Assert.Equal(1000UL, await ScalarAsync<ulong>(client, "SELECT count() FROM orders FINAL")); // ... and collapsed by version
    }

    [Fact]
    public async Task Versions_collapse_to_the_highest_and_deletes_win_whatever_the_arrival_order()
    {
        using var client = await engine.CreateDatabaseAsync();
        var sink = await SinkAsync(client, _ct);
        var random = new Random(3);
        var kept = Envelopes.Random(random);
        var deleted = Envelopes.Random(random);
        var arrivals = new[]
        {
            kept with { OrderVersion = 3, Status = "shipped", EventType = OrderEventType.StatusChanged },
            deleted with { OrderVersion = 2, EventType = OrderEventType.Deleted },
            kept with { OrderVersion = 1, Status = "new" },
            deleted with { OrderVersion = 1 },
            kept with { OrderVersion = 2, Status = "paid", EventType = OrderEventType.StatusChanged },
            kept with { OrderVersion = 3, Status = "shipped", EventType = OrderEventType.StatusChanged }, // redelivered
        };
        for (var i = 0; i < arrivals.Length; i++)
        {
            using var rows = Transcode([arrivals[i]]);
            await sink.InsertOrdersAsync(rows, $"batch-{i}", _ct);
        }

        Assert.Equal(1UL, await ScalarAsync<ulong>(client, "SELECT count() FROM orders FINAL WHERE is_deleted = 0"));
        Assert.Equal("shipped", await ScalarAsync<string>(client, $"SELECT status FROM orders FINAL WHERE order_id = '{kept.OrderId}'"));
        Assert.Equal(0UL, await ScalarAsync<ulong>(client, $"SELECT count() FROM orders FINAL WHERE order_id = '{deleted.OrderId}' AND is_deleted = 0"));
    }

    [Fact]
    public async Task Sync_state_rows_read_back_as_written_and_the_latest_wins()
    {
        using var client = await engine.CreateDatabaseAsync();
        var sink = await SinkAsync(client, _ct);
        await sink.InsertSyncStateAsync([new SyncStateRow(Topics.OrderEvents, 0, 10, 100, 1_795_600_000_000, 1_795_600_000_100),
            new SyncStateRow(Topics.OrderEvents, 3, 7, ulong.MaxValue, 1_795_600_000_000, 1_795_600_000_100)], _ct);
        await sink.InsertSyncStateAsync([new SyncStateRow(Topics.OrderEvents, 0, 20, 200, 1_795_600_000_500, 1_795_600_000_200),
            new SyncStateRow("other.topic", 0, 1, 1, 1, 1)], _ct);

        var state = await sink.ReadSyncStateAsync(Topics.OrderEvents, _ct);
        Assert.Equal(2, state.Count);
        Assert.Equal(new StoredWatermark(20, 200, 1_795_600_000_500), state[0]);
        Assert.Equal(new StoredWatermark(7, ulong.MaxValue, 1_795_600_000_000), state[3]);
    }

    [Fact]
    public async Task The_schema_is_created_idempotently_with_the_contract_columns()
    {
        using var client = await engine.CreateDatabaseAsync();
        await SinkAsync(client, _ct);
        await TestSchema.MigrateAsync(client, _ct); // again: nothing changes, nothing fails

        var columns = new List<string>();
        using (var reader = await client.ExecuteReaderAsync("SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = 'orders' ORDER BY position", cancellationToken: _ct))
        {
            while (reader.Read())
            {
                columns.Add($"{reader.GetString(0)} {reader.GetString(1)}");
            }
        }

        Assert.Equal(
        [
            "order_id UUID", "version UInt32", "is_deleted UInt8", "customer_id String", "region LowCardinality(String)",
            "currency LowCardinality(String)", "status LowCardinality(String)", "total Decimal(18, 2)", "created_at DateTime64(3, 'UTC')",
            "line_count UInt16", "commit_lsn UInt64", "commit_time DateTime64(3, 'UTC')", "event_id UUID", "_synced_at DateTime64(3, 'UTC')",
        ], columns);
        Assert.Equal(OrdersTable.AllColumns, columns.Select(c => c.Split(' ')[0]));
        Assert.Contains("ReplacingMergeTree(version, is_deleted) PARTITION BY toYYYYMM(created_at) ORDER BY (created_at, order_id)",
            await ScalarAsync<string>(client, "SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = 'orders'"));
        Assert.Contains("non_replicated_deduplication_window = 1000", await ScalarAsync<string>(client, "SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = 'orders'"));
        Assert.Contains("ReplacingMergeTree(updated_at)", await ScalarAsync<string>(client, "SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = 'sync_state'"));
    }

    private async Task<T> ScalarAsync<T>(ClickHouseClient client, string sql) =>
        (T)Convert.ChangeType((await client.ExecuteScalarAsync(sql, cancellationToken: _ct))!, typeof(T), CultureInfo.InvariantCulture);
}
