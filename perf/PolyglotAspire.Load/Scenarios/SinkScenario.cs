using PolyglotAspire.AppHost.Infrastructure;
using System.Diagnostics;
using System.Globalization;
using Aspire.Hosting.ApplicationModel;
using ClickHouse.Driver;
using Confluent.Kafka;
using PolyglotAspire.Contracts;
using PolyglotAspire.Contracts.Analytics;
using PolyglotAspire.SyncWorker.ClickHouse;
using PolyglotAspire.SyncWorker.Encoding;

namespace PolyglotAspire.Load.Scenarios;

/// <summary>
/// The sync worker against its limits, in one run of the app in local mode (commit→visible freshness at steady rates
/// is the <c>freshness</c> scenario):
/// <list type="number">
/// <item>the worker stopped, the topic pre-filled with ≥2M realistic envelopes;</item>
/// <item>(a) consuming those messages alone (Confluent.Kafka, nothing done with them);</item>
/// <item>(b) inserting the same rows alone (pre-transcoded RowBinary, the worker's batch size, one insert at a time);</item>
/// <item>the worker started: its drain rate, with CPU seconds per million events of every process involved.</item>
/// <item>(c) the naive per-event peer on a time-boxed prefix (<see cref="NaiveSyncPeer"/>), after (d) ClickHouse's own Kafka engine.</item>
/// </list>
/// </summary>
internal sealed class SinkScenario : IScenario
{
    private const string Worker = "sync-worker";
    private const string ClickHouse = EnginesExtensions.ClickHouseName;

    public string Name => "sink";

    public string Description => "Sync.Worker: drain of a pre-filled topic (≥2M) beside consume-alone, insert-alone and ClickHouse's Kafka engine";

    public IReadOnlyList<string> Options { get; } = ["events", "repeat", "peer-consumers", "naive-seconds", "naive-events"];

    public async Task<ScenarioResult> RunAsync(LocalApp app, ScenarioOptions options, CancellationToken cancellationToken)
    {
        var events = options.GetInt("events", 2_000_000);
        var settings = (options.Get("apphost-args") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(a => a.Split('=', 2)).Where(a => a.Length == 2).ToDictionary(a => a[0], a => a[1]);
        var batchRows = int.Parse(settings.GetValueOrDefault("SyncWorker:BatchMaxRows", "100000"), CultureInfo.InvariantCulture);
        var result = new ScenarioResult(Name, "dotnet run -c Release --project perf/PolyglotAspire.Load -- " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)));
        result.NoteLoadAverage("start", " (2 cores shared with other work: compare ratios within the run)");
        result.Notes.Add("worker settings: " + (settings.Count == 0 ? "defaults" : string.Join(", ", settings.Select(s => $"{s.Key}={s.Value}"))));

        using var clickhouse = new ClickHouseClient(await app.ConnectionStringAsync(ClickHouseAccess.AdminName));
        await DrainAsync(app, clickhouse, events, batchRows, result, options, cancellationToken);

        result.NoteLoadAverage("end");
        return result;
    }

    private static async Task<IProducer<byte[]?, byte[]>> ProducerAsync(LocalApp app)
    {
        var config = await app.KafkaConfigAsync<ProducerConfig>();
        config.Acks = Acks.All;
        config.LingerMs = 20;
        config.QueueBufferingMaxMessages = 2_000_000;
        config.BatchNumMessages = 10_000;
        return new ProducerBuilder<byte[]?, byte[]>(config).SetLogHandler((_, _) => { }).Build();
    }

    private static void Produce(IProducer<byte[]?, byte[]> producer, byte[]? key, byte[] value)
    {
        var message = new Message<byte[]?, byte[]> { Key = key, Value = value };
        while (true)
        {
            try
            {
                producer.Produce(Topics.OrderEvents, message);
                return;
            }
            catch (ProduceException<byte[]?, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(20));
            }
        }
    }

    private static async Task<int> PartitionCountAsync(LocalApp app)
    {
        var config = await app.KafkaConfigAsync<AdminClientConfig>();
        using var admin = new AdminClientBuilder(config).SetLogHandler((_, _) => { }).Build();
        return admin.GetMetadata(Topics.OrderEvents, TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Count;
    }

    // ---------------------------------------------------------------- drain

    private static async Task DrainAsync(LocalApp app, ClickHouseClient clickhouse, int count, int batchRows, ScenarioResult result, ScenarioOptions options, CancellationToken ct)
    {
        var partitions = await PartitionCountAsync(app);
        await StopAsync(app, Worker, ct);
        var start = await OffsetsAsync(app, partitions, high: true);

        // Pre-fill.
        var envelopes = new byte[count][];
        var generator = new EnvelopeGenerator(42);
        var commitMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - count / 1000;
        using (var producer = await ProducerAsync(app))
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < count; i++)
            {
                var e = generator.Next(commitMs + i / 1000);
                envelopes[i] = OrderEventSerializer.Serialize(e);
                Produce(producer, e.OrderId.ToByteArray(bigEndian: true), envelopes[i]);
            }

            producer.Flush(ct);
            result.Notes.Add($"pre-fill: {count:N0} envelopes ({envelopes.Average(e => e.Length):F0} bytes on average) produced at {count / clock.Elapsed.TotalSeconds:N0}/s");
        }

        var end = await OffsetsAsync(app, partitions, high: true);
        var messages = end.Sum() - start.Sum();

        // The bounds are run several times each and judged by their medians: a single run's rate swung 6× between runs.
        var repeat = options.GetInt("repeat", 3);
        var consumeRuns = new List<PhaseResult>();
        var insertRuns = new List<PhaseResult>();
        for (var i = 0; i < repeat; i++)
        {
            consumeRuns.Add(await ConsumeAloneAsync(app, start, end, ct));
            insertRuns.Add(await InsertAloneAsync(app, clickhouse, envelopes, batchRows, ct));
        }

        var consume = Median(consumeRuns);
        var insert = Median(insertRuns);
        envelopes = null;
        GC.Collect();
        var drain = await WorkerDrainAsync(app, clickhouse, start.Sum(), end.Sum(), ct);
        var peerConsumers = options.GetInt("peer-consumers", 2);
        var peer = peerConsumers > 0 ? await KafkaEngineDrainAsync(app, clickhouse, partitions, end, peerConsumers, ct) : null;
        var naiveSeconds = options.GetSeconds("naive-seconds", 30);
        var naiveEvents = options.GetInt("naive-events", 100_000);
        var naive = naiveSeconds > TimeSpan.Zero
            ? await NaiveSyncPeer.RunAsync(app, clickhouse, start, end, naiveEvents, naiveSeconds, app.ProcessId, ct)
            : null;

        // events per CPU-second of every process on the path: what 2 dedicated cores would give / 2, steadier than
        // wall-clock rates on a machine shared with other work.
        static FormattedNumber PerCpuSecond(params double[] cpuPerMillion) => new(Math.Round(1e6 / cpuPerMillion.Sum()), "N0");
        var table = result.AddTable($"Drain of a pre-filled topic: {messages:N0} messages, {partitions} partitions",
            "path", "events/s", "seconds", "worker/this", "CPU s per 1M: worker", "ClickHouse", "Kafka", "client", "events per CPU-second (all processes)");
        table.Row("Sync.Worker: consume → decode → insert → sync_state → commit", Math.Round(drain.Rate), drain.Seconds, FormattedNumber.Times(1),
            drain.WorkerCpu, drain.ClickHouseCpu, drain.KafkaCpu, null, PerCpuSecond(drain.WorkerCpu, drain.ClickHouseCpu, drain.KafkaCpu));
        table.Row("(a) consume alone (Confluent.Kafka, nothing done with the messages)", Math.Round(consume.Rate), consume.Seconds,
            FormattedNumber.Times(drain.Rate / consume.Rate), null, null, consume.KafkaCpu, consume.ClientCpu,
            PerCpuSecond(consume.KafkaCpu, consume.ClientCpu));
        table.Row($"(b) insert alone (pre-built RowBinary, {batchRows:N0} rows per insert)", Math.Round(insert.Rate), insert.Seconds,
            FormattedNumber.Times(drain.Rate / insert.Rate), null, insert.ClickHouseCpu, null, insert.ClientCpu,
            PerCpuSecond(insert.ClickHouseCpu, insert.ClientCpu));
        if (naive is not null)
        {
            table.Row($"(c) naive per-event sync: SELECT the row in PostgreSQL, one INSERT per event (first {naive.Events:N0} events, {naive.Seconds:F0} s)",
                Math.Round(naive.Rate), naive.Seconds, FormattedNumber.Times(drain.Rate / naive.Rate, 0), null, naive.ClickHouseCpu, naive.KafkaCpu,
                naive.ClientCpu, PerCpuSecond(naive.ClickHouseCpu, naive.KafkaCpu, naive.ClientCpu, naive.PostgresCpu));
            result.Notes.Add(NaiveSyncPeer.Note(naive, messages, naiveSeconds, naiveEvents));
        }

        if (peer is not null)
        {
            table.Row($"(d) ClickHouse Kafka engine + materialized view ({peerConsumers} consumers, whole topic)", Math.Round(peer.Rate), peer.Seconds,
                FormattedNumber.Times(drain.Rate / peer.Rate), null, peer.ClickHouseCpu, peer.KafkaCpu, null,
                PerCpuSecond(peer.ClickHouseCpu, peer.KafkaCpu));
            result.Notes.Add("peer: the same topic read by ClickHouse's own Kafka engine (MsgPack format, the envelope as a Tuple) into a copy of `orders` " +
                "through a materialized view, inside the same ClickHouse server; settings from ENVIRONMENT.md's best measurement " +
                "(kafka_thread_per_consumer=1, kafka_max_block_size=262144, kafka_flush_interval_ms=1000); progress from its committed offsets");
        }

        static double Bound(double c, double i) => 1 / (1 / c + 1 / i);
        var bound = Bound(consume.Rate, insert.Rate);
        var highest = Bound(consumeRuns.Max(r => r.Rate), insertRuns.Max(r => r.Rate));
        var lowest = Bound(consumeRuns.Min(r => r.Rate), insertRuns.Min(r => r.Rate));
        result.Notes.Add($"(a) and (b) ran {repeat} times each, alternating; the table shows each one's median run. Consume alone: " +
            string.Join(", ", consumeRuns.Select(r => r.Rate.ToString("N0", CultureInfo.InvariantCulture))) + " events/s; insert alone: " +
            string.Join(", ", insertRuns.Select(r => r.Rate.ToString("N0", CultureInfo.InvariantCulture))) + " rows/s. " +
            $"H = 1/(1/C + 1/I) = {bound:N0}/s from the medians ({lowest:N0}–{highest:N0} from the slowest and fastest runs): " +
            $"the worker drained at **{drain.Rate / bound:F2} H** ({drain.Rate / highest:F2}–{drain.Rate / lowest:F2}).");
        result.Notes.Add($"worker drain: {drain.Seconds:F1} s from its first commit to the last, {drain.FromStart:F1} s from the start command (process start, schema check, group join included)");
        result.Notes.Add("CPU s per 1M = user+system CPU seconds of that process tree (from /proc) per million events during the phase; 2 cores = 2 CPU s per wall second");
    }

    private static async Task<long[]> OffsetsAsync(LocalApp app, int partitions, bool high)
    {
        var config = await app.KafkaConfigAsync<ConsumerConfig>();
        config.GroupId = "sink-offsets";
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(config).SetLogHandler((_, _) => { }).Build();
        return Enumerable.Range(0, partitions).Select(p =>
        {
            var w = consumer.QueryWatermarkOffsets(new TopicPartition(Topics.OrderEvents, p), TimeSpan.FromSeconds(10));
            return (high ? w.High : w.Low).Value;
        }).ToArray();
    }

    /// <summary>The run with the median rate (the lower one of the middle two).</summary>
    private static PhaseResult Median(List<PhaseResult> runs) => runs.OrderBy(r => r.Rate).ElementAt((runs.Count - 1) / 2);

    private sealed record PhaseResult(double Rate, double Seconds, double ClientCpu, double KafkaCpu, double ClickHouseCpu, double WorkerCpu, double FromStart);

    private static async Task<PhaseResult> ConsumeAloneAsync(LocalApp app, long[] start, long[] end, CancellationToken ct)
    {
        var config = await app.KafkaConfigAsync<ConsumerConfig>();
        config.GroupId = "sink-consume-alone-" + Guid.NewGuid().ToString("N");
        config.EnableAutoCommit = false;
        config.ConsumeResultFields = "none"; // as the worker
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(config).SetLogHandler((_, _) => { }).Build();
        consumer.Assign(start.Select((offset, p) => new TopicPartitionOffset(Topics.OrderEvents, p, offset)));
        var kafka = app.ProcessId("kafka");
        var remaining = end.Sum() - start.Sum();
        var total = remaining;
        var clock = new Stopwatch();
        TimeSpan kafkaCpu = default, ownCpu = default;
        while (remaining > 0 && !ct.IsCancellationRequested)
        {
            var r = consumer.Consume(TimeSpan.FromSeconds(1));
            if (r is null)
            {
                continue;
            }

            if (!clock.IsRunning)
            {
                clock.Start();
                kafkaCpu = ProcessCpu.OfTree(kafka);
                ownCpu = Process.GetCurrentProcess().TotalProcessorTime;
            }

            remaining--;
        }

        clock.Stop();
        var perMillion = 1e6 / total;
        return new PhaseResult(total / clock.Elapsed.TotalSeconds, clock.Elapsed.TotalSeconds,
            (Process.GetCurrentProcess().TotalProcessorTime - ownCpu).TotalSeconds * perMillion,
            (ProcessCpu.OfTree(kafka) - kafkaCpu).TotalSeconds * perMillion, 0, 0, 0);
    }

    private static async Task<PhaseResult> InsertAloneAsync(LocalApp app, ClickHouseClient clickhouse, byte[][] envelopes, int batchRows, CancellationToken ct)
    {
        const string table = "orders_insert_alone";
        await clickhouse.ExecuteNonQueryAsync($"DROP TABLE IF EXISTS {table}", cancellationToken: ct);
        await clickhouse.ExecuteNonQueryAsync($"CREATE TABLE {table} AS {OrdersTable.Name}", cancellationToken: ct);

        // The same rows the worker writes, transcoded up front (not timed), in the worker's batch size.
        var batches = new List<RowBinaryBuffer>();
        RowBinaryBuffer? current = null;
        var rows = 0;
        var inBatch = 0;
        foreach (var envelope in envelopes)
        {
            current ??= new RowBinaryBuffer();
            var span = current.GetSpan(EnvelopeTranscoder.MaxRowLength(envelope.Length));
            EnvelopeTranscoder.Transcode(envelope, span, out var info);
            if (info.Kind != EnvelopeKind.Order)
            {
                continue;
            }

            current.Advance(info.RowLength);
            rows++;
            if (++inBatch == batchRows)
            {
                batches.Add(current);
                current = null;
                inBatch = 0;
            }
        }

        if (current is not null)
        {
            batches.Add(current);
        }

        var clickHouse = app.ProcessId(ClickHouse);
        var clickHouseCpu = ProcessCpu.OfTree(clickHouse);
        var ownCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var n = 0;
        foreach (var batch in batches)
        {
            var options = new QueryOptions { CustomSettings = new Dictionary<string, object> { ["insert_deduplication_token"] = $"insert-alone-{n++}-{Guid.NewGuid():N}" } };
            using var response = await clickhouse.InsertRawStreamAsync(table, batch.OpenRead(), "RowBinary", OrdersTable.InsertColumns, useCompression: false, options, ct);
        }

        clock.Stop();
        var perMillion = 1e6 / rows;
        var phase = new PhaseResult(rows / clock.Elapsed.TotalSeconds, clock.Elapsed.TotalSeconds,
            (Process.GetCurrentProcess().TotalProcessorTime - ownCpu).TotalSeconds * perMillion, 0,
            (ProcessCpu.OfTree(clickHouse) - clickHouseCpu).TotalSeconds * perMillion, 0, 0);
        batches.ForEach(b => b.Dispose());
        await clickhouse.ExecuteNonQueryAsync($"DROP TABLE {table}", cancellationToken: ct);
        return phase;
    }

    private static async Task<PhaseResult> WorkerDrainAsync(LocalApp app, ClickHouseClient clickhouse, long baseline, long target, CancellationToken ct)
    {
        var startCommand = Stopwatch.StartNew();
        var result = await app.App.ResourceCommands.ExecuteCommandAsync(Worker, KnownResourceCommands.StartCommand, ct);
        if (!result.Success)
        {
            throw new InvalidOperationException($"starting {Worker}: {result.Message}");
        }

        int? worker = null;
        var clickHouse = app.ProcessId(ClickHouse);
        var kafka = app.ProcessId("kafka");
        TimeSpan? firstAt = null;
        long firstValue = 0;
        (TimeSpan Worker, TimeSpan ClickHouse, TimeSpan Kafka) cpu0 = default;
        while (true)
        {
            worker ??= app.TryProcessId(Worker);
            var committed = Convert.ToInt64(await clickhouse.ExecuteScalarAsync(
                "SELECT sum(next_offset) FROM (SELECT next_offset FROM sync_state FINAL WHERE topic = 'orders.events')", cancellationToken: ct), CultureInfo.InvariantCulture);
            var now = startCommand.Elapsed;
            if (firstAt is null && committed > baseline && worker is not null)
            {
                firstAt = now;
                firstValue = committed;
                cpu0 = (ProcessCpu.OfTree(worker.Value), ProcessCpu.OfTree(clickHouse), ProcessCpu.OfTree(kafka));
            }

            if (committed >= target)
            {
                var events = target - firstValue;
                var seconds = (now - firstAt!.Value).TotalSeconds;
                var perMillion = 1e6 / events;
                return new PhaseResult(events / seconds, seconds, 0,
                    (ProcessCpu.OfTree(kafka) - cpu0.Kafka).TotalSeconds * perMillion,
                    (ProcessCpu.OfTree(clickHouse) - cpu0.ClickHouse).TotalSeconds * perMillion,
                    (ProcessCpu.OfTree(worker!.Value) - cpu0.Worker).TotalSeconds * perMillion,
                    now.TotalSeconds);
            }

            if (startCommand.Elapsed > TimeSpan.FromMinutes(10))
            {
                throw new TimeoutException($"the worker did not drain: sync_state says {committed} of {target}");
            }

            await Task.Delay(100, ct);
        }
    }

    /// <summary>The tool people use today: ClickHouse's Kafka table engine and a materialized view, on the same topic.</summary>
    private static async Task<PhaseResult> KafkaEngineDrainAsync(LocalApp app, ClickHouseClient clickhouse, int partitions, long[] end, int consumers, CancellationToken ct)
    {
        var group = "clickhouse-peer-" + Guid.NewGuid().ToString("N")[..8];
        var broker = await app.ConnectionStringAsync("kafka");
        string[] drop = ["DROP VIEW IF EXISTS peer_mv", "DROP TABLE IF EXISTS peer_queue", "DROP TABLE IF EXISTS peer_orders", "DROP NAMED COLLECTION IF EXISTS peer_kafka"];
        foreach (var sql in drop)
        {
            await clickhouse.ExecuteNonQueryAsync(sql, cancellationToken: ct);
        }

        // The 0.9 broker's client settings, as the worker gets them from the AppHost.
        await clickhouse.ExecuteNonQueryAsync(
            $"CREATE NAMED COLLECTION peer_kafka AS kafka_broker_list = '{broker}', `kafka.api_version_request` = 'false', `kafka.broker_version_fallback` = '0.9.0'",
            cancellationToken: ct);
        await clickhouse.ExecuteNonQueryAsync($"CREATE TABLE peer_orders AS {OrdersTable.Name}", cancellationToken: ct);
        await clickhouse.ExecuteNonQueryAsync(
            $"""
            CREATE TABLE peer_queue (e Tuple(v UInt8, event_id FixedString(16), type UInt8, order_id FixedString(16), version UInt32, lsn UInt64,
                commit_ms Int64, customer String, region String, currency String, status String, total Int64, created_ms Int64, lines UInt16, tp Nullable(String)))
            ENGINE = Kafka(peer_kafka)
            SETTINGS kafka_topic_list = '{Topics.OrderEvents}', kafka_group_name = '{group}', kafka_format = 'MsgPack',
                     kafka_num_consumers = {consumers}, kafka_thread_per_consumer = 1, kafka_max_block_size = 262144, kafka_flush_interval_ms = 1000
            """, cancellationToken: ct);

        var clickHouse = app.ProcessId(ClickHouse);
        var kafka = app.ProcessId("kafka");
        var clock = Stopwatch.StartNew();
        await clickhouse.ExecuteNonQueryAsync(
            """
            CREATE MATERIALIZED VIEW peer_mv TO peer_orders AS
            SELECT toUUID(UUIDNumToString(e.order_id)) AS order_id, e.version AS version, toUInt8(e.type = 3) AS is_deleted,
                   e.customer AS customer_id, e.region AS region, e.currency AS currency, e.status AS status,
                   toDecimal64(e.total, 2) / 100 AS total, fromUnixTimestamp64Milli(e.created_ms, 'UTC') AS created_at, e.lines AS line_count,
                   e.lsn AS commit_lsn, fromUnixTimestamp64Milli(e.commit_ms, 'UTC') AS commit_time, toUUID(UUIDNumToString(e.event_id)) AS event_id
            FROM peer_queue WHERE e.type IN (1, 2, 3)
            """, cancellationToken: ct);

        var config = await app.KafkaConfigAsync<ConsumerConfig>();
        config.GroupId = group;
        using var probe = new ConsumerBuilder<Ignore, Ignore>(config).SetLogHandler((_, _) => { }).Build();
        var topicPartitions = Enumerable.Range(0, partitions).Select(p => new TopicPartition(Topics.OrderEvents, p)).ToList();
        TimeSpan? firstAt = null;
        long firstValue = 0;
        (TimeSpan ClickHouse, TimeSpan Kafka) cpu0 = default;
        try
        {
            while (true)
            {
                var committed = probe.Committed(topicPartitions, TimeSpan.FromSeconds(10)).Sum(c => Math.Max(0, c.Offset.Value));
                var now = clock.Elapsed;
                if (firstAt is null && committed > 0)
                {
                    firstAt = now;
                    firstValue = committed;
                    cpu0 = (ProcessCpu.OfTree(clickHouse), ProcessCpu.OfTree(kafka));
                }

                if (committed >= end.Sum())
                {
                    var events = end.Sum() - firstValue;
                    var seconds = (now - firstAt!.Value).TotalSeconds;
                    var perMillion = 1e6 / events;
                    return new PhaseResult(events / seconds, seconds, 0,
                        (ProcessCpu.OfTree(kafka) - cpu0.Kafka).TotalSeconds * perMillion,
                        (ProcessCpu.OfTree(clickHouse) - cpu0.ClickHouse).TotalSeconds * perMillion, 0, now.TotalSeconds);
                }

                if (clock.Elapsed > TimeSpan.FromMinutes(10))
                {
                    throw new TimeoutException($"the Kafka engine did not drain: {committed} of {end.Sum()} committed");
                }

                await Task.Delay(200, ct);
            }
        }
        finally
        {
            foreach (var sql in drop)
            {
                await clickhouse.ExecuteNonQueryAsync(sql, cancellationToken: CancellationToken.None);
            }
        }
    }

    private static async Task StopAsync(LocalApp app, string resource, CancellationToken ct)
    {
        var result = await app.App.ResourceCommands.ExecuteCommandAsync(resource, KnownResourceCommands.StopCommand, ct);
        if (!result.Success)
        {
            throw new InvalidOperationException($"stopping {resource}: {result.Message}");
        }

        await app.App.ResourceNotifications.WaitForResourceAsync(resource, e => e.Snapshot.State?.Text is { } s && KnownResourceStates.TerminalStates.Contains(s), ct);
    }
}
