using System.Diagnostics;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using Confluent.Kafka;
using Npgsql;
using NpgsqlTypes;
using PolyglotAspire.AppHost.Infrastructure;
using PolyglotAspire.Contracts;
using PolyglotAspire.Contracts.Analytics;

namespace PolyglotAspire.Load.Scenarios;

/// <summary>
/// Peer (c) of the sink scenario: the textbook per-event synchronization — what a first implementation of "keep
/// ClickHouse in step with the orders" usually is. For each event consumed from the topic it deserializes the
/// envelope to an object, reads the order's current row from PostgreSQL by id (<c>SELECT … FROM orders WHERE id = $1</c>,
/// the line count included, as the API reads a row) and sends that row to ClickHouse as one <c>INSERT … VALUES</c>
/// (ClickHouse.Driver, typed parameters), then stores the message's offset (auto-commit). A missing row means the
/// order was deleted: it inserts a tombstone (<c>is_deleted = 1</c>) with the event's version.
/// <para>
/// It is given every advantage a careful first version would have: one open PostgreSQL connection with a prepared
/// statement, one HTTP client kept alive, offsets stored per message and committed in the background (no synchronous
/// commit per message), its own copy of the <c>orders</c> table. It is still about a thousand times slower than
/// the worker, so it runs on a prefix of the topic, time-boxed, and its rate is extrapolated — draining millions of
/// events this way is not feasible.
/// </para>
/// </summary>
internal static class NaiveSyncPeer
{
    /// <summary>The rows the peer reads: the pre-filled events' orders, put into PostgreSQL before it starts.</summary>
    private const string CopyOrders =
        "COPY orders (id, customer_id, region, currency, status, total, created_at, updated_at, version) FROM STDIN (FORMAT BINARY)";

    private const string CopyLines = "COPY order_lines (order_id, line_no, sku, quantity, unit_price) FROM STDIN (FORMAT BINARY)";

    /// <summary>One order's row by id, with its line count: the statement Orders.Api itself uses to read a row.</summary>
    private const string SelectRow =
        "SELECT customer_id, region, currency, status, total, created_at, version, " +
        "(SELECT count(*)::int FROM order_lines WHERE order_id = $1) FROM orders WHERE id = $1";

    private const string Table = "naive_orders";

    /// <summary>Events synced before the clock starts: the first ones pay for JIT compilation and connection set-up.</summary>
    private const int WarmupEvents = 100;

    private const string Insert =
        $$"""
        INSERT INTO {{Table}} (order_id, version, is_deleted, customer_id, region, currency, status, total, created_at, line_count, commit_lsn, commit_time, event_id)
        VALUES ({order_id:UUID}, {version:UInt32}, {is_deleted:UInt8}, {customer_id:String}, {region:String}, {currency:String}, {status:String},
                {total:Decimal(18, 2)}, {created_at:DateTime64(3, 'UTC')}, {line_count:UInt16}, {commit_lsn:UInt64}, {commit_time:DateTime64(3, 'UTC')}, {event_id:UUID})
        """;

    /// <summary>What one run measured; CPU figures are seconds per million events.</summary>
    public sealed record Result(
        long Events, double Rate, double Seconds, bool TimeBoxed, long Deleted, double ClientCpu, double PostgresCpu, double KafkaCpu, double ClickHouseCpu,
        double HarnessIdleCpuPerSecond);

    /// <summary>The result's note: what the peer is, why it ran on a prefix, and what it would take for the whole topic.</summary>
    public static string Note(Result r, long messages, TimeSpan timeBox, int maxEvents) =>
        $"(c) naive peer: for each event, MessagePack → object, the order's row read from PostgreSQL by id (prepared statement, " +
        $"line count included), one parameterized INSERT … VALUES into a copy of `orders` (ClickHouse.Driver), offset stored per message; " +
        $"a tombstone where the row is gone ({r.Deleted:N0}: deleted by a later event, as for any consumer that lags). It is how this sync is usually written first. " +
        $"It ran on the topic's first events ({r.Events:N0} timed after {WarmupEvents} untimed, stopped by {(r.TimeBoxed ? $"the {timeBox.TotalSeconds:F0} s time box" : $"the {maxEvents:N0}-event cap or the topic's end")}): " +
        $"at {r.Rate:N0} events/s the {messages:N0} messages would take {Duration(messages / r.Rate)}, so they were not drained. " +
        $"Its PostgreSQL CPU ({r.PostgresCpu:F1} s per 1M) is counted in its events per CPU-second; the orders were COPYed into PostgreSQL beforehand (untimed). " +
        $"Its client CPU is net of this process's idle background (it also hosts the app: {r.HarnessIdleCpuPerSecond * 1000:F0} ms per s, measured just before).";

    private static string Duration(double seconds) =>
        seconds < 7200 ? $"{seconds / 60:F0} min" : $"{seconds / 3600:F1} h";

    /// <summary>
    /// Syncs events from <paramref name="start"/> on, one at a time, until <paramref name="maxEvents"/> order events
    /// are timed or <paramref name="timeBox"/> has passed since the warm-up ended, whichever comes first.
    /// </summary>
    public static async Task<Result> RunAsync(
        LocalApp app, ClickHouseClient clickhouse, long[] start, long[] end, int maxEvents, TimeSpan timeBox, Func<string, int> pid, CancellationToken ct)
    {
        var connectionString = await app.ConnectionStringAsync(EnginesExtensions.OrdersDbName);
        await SeedPostgresAsync(app, connectionString, start, end, maxEvents, ct);
        await clickhouse.ExecuteNonQueryAsync($"DROP TABLE IF EXISTS {Table}", cancellationToken: ct);
        await clickhouse.ExecuteNonQueryAsync($"CREATE TABLE {Table} AS {OrdersTable.Name}", cancellationToken: ct);
        try
        {
            return await SyncAsync(app, clickhouse, connectionString, start, end, maxEvents, timeBox, pid, ct);
        }
        finally
        {
            await clickhouse.ExecuteNonQueryAsync($"DROP TABLE IF EXISTS {Table}", cancellationToken: CancellationToken.None);
        }
    }

    private static async Task<Result> SyncAsync(
        LocalApp app, ClickHouseClient clickhouse, string connectionString, long[] start, long[] end, int maxEvents, TimeSpan timeBox,
        Func<string, int> pid, CancellationToken ct)
    {
        var config = await app.KafkaConfigAsync<ConsumerConfig>();
        config.GroupId = "naive-sync-" + Guid.NewGuid().ToString("N")[..8];
        config.EnableAutoCommit = true;
        config.EnableAutoOffsetStore = false; // store after the row is written: at-least-once, as the Confluent examples do
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(config).SetLogHandler((_, _) => { }).Build();
        consumer.Assign(start.Select((offset, p) => new TopicPartitionOffset(Topics.OrderEvents, p, offset)));

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var select = new NpgsqlCommand(SelectRow, connection) { Parameters = { new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid } } };
        await select.PrepareAsync(ct);

        var (postgres, kafka, clickHouse) = (pid(EnginesExtensions.PostgresName), pid(EnginesExtensions.KafkaName), pid(EnginesExtensions.ClickHouseName));
        var idleCpuPerSecond = await IdleCpuPerSecondAsync(ct);
        var messages = end.Sum() - start.Sum();
        var clock = new Stopwatch();
        (TimeSpan Own, TimeSpan Postgres, TimeSpan Kafka, TimeSpan ClickHouse) cpu0 = default;
        var warmup = Math.Min(WarmupEvents, messages / 10);
        long consumed = 0, warmed = 0, events = 0, deleted = 0;
        while (consumed < messages && events < maxEvents && (!clock.IsRunning || clock.Elapsed < timeBox))
        {
            var message = consumer.Consume(TimeSpan.FromSeconds(1));
            if (message is null)
            {
                continue;
            }

            if (!clock.IsRunning && warmed >= warmup)
            {
                cpu0 = (Process.GetCurrentProcess().TotalProcessorTime, ProcessCpu.OfTree(postgres), ProcessCpu.OfTree(kafka), ProcessCpu.OfTree(clickHouse));
                clock.Start();
            }

            consumed++;
            var e = OrderEventSerializer.Deserialize(message.Message.Value);
            if (e.EventType != OrderEventType.Heartbeat)
            {
                var found = await SyncOneAsync(e, select, clickhouse, ct);
                if (clock.IsRunning)
                {
                    events++;
                    deleted += found ? 0 : 1;
                }
                else
                {
                    warmed++;
                }
            }

            consumer.StoreOffset(message);
        }

        clock.Stop();
        var perMillion = 1e6 / events;
        var ownCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0.Own).TotalSeconds - idleCpuPerSecond * clock.Elapsed.TotalSeconds;
        return new Result(events, events / clock.Elapsed.TotalSeconds, clock.Elapsed.TotalSeconds, events < maxEvents && consumed < messages, deleted,
            Math.Max(0, ownCpu) * perMillion,
            (ProcessCpu.OfTree(postgres) - cpu0.Postgres).TotalSeconds * perMillion,
            (ProcessCpu.OfTree(kafka) - cpu0.Kafka).TotalSeconds * perMillion,
            (ProcessCpu.OfTree(clickHouse) - cpu0.ClickHouse).TotalSeconds * perMillion,
            idleCpuPerSecond);
    }

    /// <summary>
    /// This process's CPU per second while the peer is not running yet: it also hosts the app (DCP watchers, health
    /// checks, resource logs), which over the peer's long phase would otherwise count as the peer's client CPU.
    /// </summary>
    private static async Task<double> IdleCpuPerSecondAsync(CancellationToken ct)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(3), ct);
        return (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds / clock.Elapsed.TotalSeconds;
    }

    /// <summary>One event: the row from PostgreSQL, one INSERT into ClickHouse. False when the row is gone (a tombstone was written).</summary>
    private static async Task<bool> SyncOneAsync(OrderEvent e, NpgsqlCommand select, ClickHouseClient clickhouse, CancellationToken ct)
    {
        select.Parameters[0].Value = e.OrderId;
        var row = new ClickHouseParameterCollection();
        bool found;
        await using (var reader = await select.ExecuteReaderAsync(ct))
        {
            found = await reader.ReadAsync(ct);
            row.AddParameter("customer_id", found ? reader.GetString(0) : "");
            row.AddParameter("region", found ? reader.GetString(1) : "");
            row.AddParameter("currency", found ? reader.GetString(2) : "");
            row.AddParameter("status", found ? reader.GetString(3) : "");
            row.AddParameter("total", found ? reader.GetDecimal(4) : 0m);
            row.AddParameter("created_at", found ? reader.GetFieldValue<DateTime>(5) : DateTime.UnixEpoch);
            row.AddParameter("version", (uint)(found ? reader.GetInt32(6) : e.OrderVersion));
            row.AddParameter("line_count", (ushort)(found ? reader.GetInt32(7) : 0));
        }

        row.AddParameter("order_id", e.OrderId);
        row.AddParameter("is_deleted", (byte)(found ? 0 : 1));
        row.AddParameter("commit_lsn", e.CommitLsn);
        row.AddParameter("commit_time", DateTimeOffset.FromUnixTimeMilliseconds(e.CommitTimeMs).UtcDateTime);
        row.AddParameter("event_id", e.EventId);
        await clickhouse.ExecuteNonQueryAsync(Insert, row, cancellationToken: ct);
        return found;
    }

    /// <summary>
    /// Untimed: puts into PostgreSQL every order the peer can meet — those of the first <see cref="WarmupEvents"/> +
    /// <paramref name="maxEvents"/> messages of each partition (it reads at most that many in all, in whatever interleaving) — in their latest
    /// state among those messages, with their lines; deleted ones are absent, as the API deletes them. Then waits
    /// for the capture relay to pass the load and checkpoints, so the peer's PostgreSQL CPU is its own.
    /// </summary>
    private static async Task SeedPostgresAsync(LocalApp app, string connectionString, long[] start, long[] end, int maxEvents, CancellationToken ct)
    {
        var latest = new Dictionary<Guid, OrderEvent>();
        var config = await app.KafkaConfigAsync<ConsumerConfig>();
        config.GroupId = "naive-sync-seed";
        config.EnableAutoCommit = false;
        using (var consumer = new ConsumerBuilder<Ignore, byte[]>(config).SetLogHandler((_, _) => { }).Build())
        {
            var stop = start.Select((offset, p) => Math.Min(end[p], offset + WarmupEvents + maxEvents)).ToArray();
            consumer.Assign(start.Select((offset, p) => new TopicPartitionOffset(Topics.OrderEvents, p, offset)));
            for (var left = stop.Sum() - start.Sum(); left > 0 && !ct.IsCancellationRequested;)
            {
                var message = consumer.Consume(TimeSpan.FromSeconds(1));
                if (message is null || message.Offset.Value >= stop[message.Partition.Value])
                {
                    continue;
                }

                left--;
                var e = OrderEventSerializer.Deserialize(message.Message.Value);
                if (e.EventType != OrderEventType.Heartbeat)
                {
                    latest[e.OrderId] = e;
                }
            }
        }

        var orders = latest.Values.Where(e => e.EventType != OrderEventType.Deleted).ToList();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using (var copy = await connection.BeginBinaryImportAsync(CopyOrders, ct))
        {
            foreach (var o in orders)
            {
                var created = DateTimeOffset.FromUnixTimeMilliseconds(o.CreatedAtMs).UtcDateTime;
                await copy.WriteRowAsync(ct, o.OrderId, o.CustomerId, o.Region, o.Currency, o.Status, o.TotalCents / 100m, created,
                    DateTimeOffset.FromUnixTimeMilliseconds(o.CommitTimeMs).UtcDateTime, o.OrderVersion);
            }

            await copy.CompleteAsync(ct);
        }

        await using (var copy = await connection.BeginBinaryImportAsync(CopyLines, ct))
        {
            foreach (var o in orders)
            {
                for (short line = 1; line <= o.LineCount; line++)
                {
                    await copy.WriteRowAsync(ct, o.OrderId, line, $"SKU-{line:D4}", 1, Math.Round(o.TotalCents / 100m / o.LineCount, 2));
                }
            }

            await copy.CompleteAsync(ct);
        }

        await using (var analyze = new NpgsqlCommand("ANALYZE orders, order_lines", connection))
        {
            await analyze.ExecuteNonQueryAsync(ct);
        }

        await RelayCatchUp.SettleAsync(connectionString, ct);
    }
}
