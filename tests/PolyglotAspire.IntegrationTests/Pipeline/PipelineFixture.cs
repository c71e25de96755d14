using System.Globalization;
using Aspire.Hosting.Testing;
using ClickHouse.Driver;
using Confluent.Kafka;
using PolyglotAspire.AppHost.Infrastructure;
using PolyglotAspire.Contracts;
using PolyglotAspire.IntegrationTests.Infrastructure;

namespace PolyglotAspire.IntegrationTests.Pipeline;

/// <summary>
/// An app of the pipeline tests' own (they kill the worker, stop ClickHouse and write synthetic events straight to
/// Kafka, none of which may touch the shared app). Produces envelopes like the relay does (key = order id,
/// per-key order, acks=all) and reads back what ClickHouse, the consumer group and the dead-letter topic hold.
/// </summary>
public sealed class PipelineFixture : AppFixture
{
    public const string Worker = "sync-worker";
    public const string ClickHouseServer = EnginesExtensions.ClickHouseName;
    public static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    public async Task<IProducer<byte[]?, byte[]>> ProducerAsync()
    {
        var config = await KafkaConfigAsync<ProducerConfig>();
        config.Acks = Acks.All;
        config.MaxInFlight = 1; // per-key order on a broker without idempotence (contracts.md §1)
        config.LingerMs = 5;
        config.QueueBufferingMaxMessages = 1_000_000;
        return new ProducerBuilder<byte[]?, byte[]>(config).SetLogHandler((_, _) => { }).Build();
    }

    public static byte[] Key(Guid orderId) => orderId.ToByteArray(bigEndian: true);

    /// <summary>Produces the events (key = order id) and waits for every acknowledgement.</summary>
    public async Task<IReadOnlyList<TopicPartitionOffset>> ProduceAsync(IEnumerable<OrderEvent> events, CancellationToken cancellationToken) =>
        await ProduceRawAsync(events.Select(e => (e.EventType == OrderEventType.Heartbeat ? null : Key(e.OrderId), OrderEventSerializer.Serialize(e), (int?)null)), cancellationToken);

    /// <summary>Produces raw messages (optionally to an explicit partition) in order; returns where each landed.</summary>
    public async Task<IReadOnlyList<TopicPartitionOffset>> ProduceRawAsync(IEnumerable<(byte[]? Key, byte[] Value, int? Partition)> messages, CancellationToken cancellationToken)
    {
        using var producer = await ProducerAsync();
        var results = new List<Task<DeliveryResult<byte[]?, byte[]>>>();
        foreach (var (key, value, partition) in messages)
        {
            var message = new Message<byte[]?, byte[]> { Key = key, Value = value };
            results.Add(partition is { } p
                ? producer.ProduceAsync(new TopicPartition(Topics.OrderEvents, p), message, cancellationToken)
                : producer.ProduceAsync(Topics.OrderEvents, message, cancellationToken));
        }

        producer.Flush(cancellationToken);
        return (await Task.WhenAll(results)).Select(r => r.TopicPartitionOffset).ToList();
    }

    /// <summary>A heartbeat on every partition, as the relay sends them.</summary>
    public async Task ProduceHeartbeatAsync(OrderEvent heartbeat, CancellationToken cancellationToken)
    {
        var bytes = OrderEventSerializer.Serialize(heartbeat);
        await ProduceRawAsync(Enumerable.Range(0, Partitions).Select(p => ((byte[]?)null, bytes, (int?)p)), cancellationToken);
    }

    public const int Partitions = 4;

    /// <summary>WAL each workload reserves: ~32 bytes a change on average, so room for about 250,000.</summary>
    private const int WorkloadWalBytes = 8 << 20;

    /// <summary>
    /// A workload with LSNs PostgreSQL has written: the source's WAL is moved past a fresh stretch first, by a
    /// transactional logical message in a transaction that is rolled back (written to the WAL, never decoded, so the
    /// relay publishes nothing for it).
    /// </summary>
    public async Task<Workload> WorkloadAsync(string tag, int seed)
    {
        await using var connection = new Npgsql.NpgsqlConnection(await ConnectionStringAsync("ordersdb"));
        await connection.OpenAsync();
        await using var who = new Npgsql.NpgsqlCommand(
            """
            SELECT system_identifier::text, ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int,
                   (pg_current_wal_insert_lsn() - '0/0')::bigint
            FROM pg_control_system()
            """, connection);
        ulong systemId, first;
        uint timeline;
        await using (var reader = await who.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            (systemId, timeline, first) = (ulong.Parse(reader.GetString(0), CultureInfo.InvariantCulture), (uint)reader.GetInt32(1), (ulong)reader.GetInt64(2));
        }

        await using var transaction = await connection.BeginTransactionAsync();
        await using (var reserve = new Npgsql.NpgsqlCommand($"SELECT pg_logical_emit_message(true, 'polyglot.test.reserve', repeat('x', {WorkloadWalBytes}))", connection, transaction))
        {
            await reserve.ExecuteNonQueryAsync();
        }

        await transaction.RollbackAsync();

        // A synchronous commit of a transaction that wrote WAL (an empty message: the relay ignores its prefix)
        // flushes the WAL up to its commit record, the reserved stretch included.
        await using (var flush = new Npgsql.NpgsqlCommand(
            "BEGIN; SET LOCAL synchronous_commit = on; SELECT pg_logical_emit_message(true, 'polyglot.test.reserve', ''); COMMIT", connection))
        {
            await flush.ExecuteNonQueryAsync();
        }

        await using var position = new Npgsql.NpgsqlCommand("SELECT (pg_current_wal_flush_lsn() - '0/0')::bigint", connection);
        var flushed = (ulong)(long)(await position.ExecuteScalarAsync())!;
        Assert.True(flushed > first + WorkloadWalBytes, $"the WAL was flushed to {flushed} only, not past {first} + {WorkloadWalBytes}");
        return new Workload(tag, seed, new WalRange(systemId, timeline, first + 1, first + WorkloadWalBytes));
    }

    public async Task<ClickHouseClient> ClickHouseAsync() => new(await ConnectionStringAsync(ClickHouseAccess.WriterName));

    /// <summary>Count and revenue per region and UTC day, by the analytics definitions, over the regions of <paramref name="tag"/>.</summary>
    public async Task<SortedDictionary<string, (long Orders, decimal Revenue)>> AggregatesAsync(string tag, CancellationToken cancellationToken)
    {
        using var client = await ClickHouseAsync();
        using var reader = await client.ExecuteReaderAsync(
            $"""
            SELECT region, toDate(created_at) AS day, count(), sumIf(total, status IN ('paid', 'shipped', 'delivered'))
            FROM orders FINAL
            WHERE is_deleted = 0 AND startsWith(region, '{tag}-')
            GROUP BY region, day
            """, cancellationToken: cancellationToken);
        var result = new SortedDictionary<string, (long, decimal)>(StringComparer.Ordinal);
        while (reader.Read())
        {
            result[Workload.Key(reader.GetString(0), DateOnly.FromDateTime(reader.GetDateTime(1)))] =
                (Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture), Convert.ToDecimal(reader.GetValue(3), CultureInfo.InvariantCulture));
        }

        return result;
    }

    /// <summary>Polls ClickHouse until it holds exactly what the workload says (or the patience runs out, then shows the difference).</summary>
    public async Task AssertConvergesAsync(Workload workload, CancellationToken cancellationToken, TimeSpan? patience = null)
    {
        var expected = workload.Expected();
        SortedDictionary<string, (long, decimal)> actual = [];
        await EventuallyAsync(async ct => (actual = await AggregatesAsync(workload.Tag, ct)).SequenceEqual(expected), () =>
        {
            var missing = expected.Where(e => !actual.TryGetValue(e.Key, out var a) || a != e.Value).Take(10).Select(e => $"{e.Key}: expected {e.Value}, actual {(actual.TryGetValue(e.Key, out var a) ? a.ToString() : "none")}");
            var extra = actual.Where(a => !expected.ContainsKey(a.Key)).Take(10).Select(a => $"{a.Key}: unexpected {a.Value}");
            return $"ClickHouse did not converge to the workload '{workload.Tag}' within {patience ?? Patience} " +
                $"(expected {expected.Values.Sum(v => v.Orders)} orders, has {actual.Values.Sum(v => v.Item1)}):{Environment.NewLine}" +
                string.Join(Environment.NewLine, missing.Concat(extra)) + $"{Environment.NewLine}worker logs:{Environment.NewLine}{RecentLogs(Worker)}";
        }, cancellationToken, patience);
    }

    /// <summary>
    /// Polls <paramref name="done"/> every 250 ms until it is true; fails with <paramref name="failure"/> once
    /// <paramref name="patience"/> (default <see cref="Patience"/>) has run out.
    /// </summary>
    private static async Task EventuallyAsync(Func<CancellationToken, Task<bool>> done, Func<string> failure, CancellationToken cancellationToken, TimeSpan? patience = null)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(patience ?? Patience);
        try
        {
            while (!await done(timeout.Token))
            {
                await Task.Delay(250, timeout.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Assert.Fail(failure());
        }
    }

    /// <summary>The offsets the worker's consumer group has committed, per partition (-1001: none).</summary>
    public async Task<long[]> CommittedAsync()
    {
        var config = await KafkaConfigAsync<ConsumerConfig>();
        config.GroupId = "sync-worker";
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(config).SetLogHandler((_, _) => { }).Build();
        var committed = consumer.Committed(Enumerable.Range(0, Partitions).Select(p => new TopicPartition(Topics.OrderEvents, p)), TimeSpan.FromSeconds(10));
        return committed.OrderBy(c => c.Partition.Value).Select(c => c.Offset.Value).ToArray();
    }

    /// <summary>Commits <paramref name="offset"/> for one partition on the worker's group; only while the worker is stopped.</summary>
    public async Task CommitAsync(int partition, long offset)
    {
        var config = await KafkaConfigAsync<ConsumerConfig>();
        config.GroupId = "sync-worker";
        config.EnableAutoCommit = false;
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(config).SetLogHandler((_, _) => { }).Build();
        consumer.Commit([new TopicPartitionOffset(Topics.OrderEvents, partition, offset)]);
    }

    public async Task<long[]> EndOffsetsAsync(string topic = Topics.OrderEvents)
    {
        var config = await KafkaConfigAsync<ConsumerConfig>();
        config.GroupId = "offsets-probe";
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(config).SetLogHandler((_, _) => { }).Build();
        return Enumerable.Range(0, Partitions).Select(p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value).ToArray();
    }

    /// <summary>Waits until the group has committed every partition up to its end now: everything produced so far is written.</summary>
    public async Task AssertFullyCommittedAsync(CancellationToken cancellationToken)
    {
        var end = await EndOffsetsAsync();
        long[] committed = [];
        // At least the end read above: the app's relay keeps adding heartbeats, so the end moves on.
        await EventuallyAsync(async _ => (committed = await CommittedAsync()).Zip(end).All(p => p.First >= p.Second),
            () => $"committed [{string.Join(",", committed)}] never reached the end [{string.Join(",", end)}]", cancellationToken);
    }

    /// <summary>Every dead letter in the DLQ topic, parsed.</summary>
    public async Task<List<System.Text.Json.JsonDocument>> DeadLettersAsync(CancellationToken cancellationToken)
    {
        var config = await KafkaConfigAsync<ConsumerConfig>();
        config.GroupId = "dlq-reader-" + Guid.NewGuid().ToString("N");
        config.AutoOffsetReset = AutoOffsetReset.Earliest;
        config.EnableAutoCommit = false;
        var end = await EndOffsetsAsync(Topics.OrderEventsDeadLetter);
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(config).SetLogHandler((_, _) => { }).Build();
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(Topics.OrderEventsDeadLetter, p, Offset.Beginning)));
        var letters = new List<System.Text.Json.JsonDocument>();
        var read = new long[Partitions];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (Enumerable.Range(0, Partitions).Any(p => read[p] < end[p]) && DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result?.Message is not null)
            {
                read[result.Partition.Value] = result.Offset.Value + 1;
                letters.Add(System.Text.Json.JsonDocument.Parse(result.Message.Value));
            }
        }

        return letters;
    }

    public async Task<string> WorkerHealthAsync(CancellationToken cancellationToken)
    {
        using var http = App.CreateHttpClient(Worker);
        using var response = await http.GetAsync(new Uri("/health", UriKind.Relative), cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    /// <summary>Polls the worker's logs until they hold <paramref name="text"/> (or the patience runs out).</summary>
    public Task WaitForWorkerLogAsync(string text, CancellationToken cancellationToken) =>
        EventuallyAsync(_ => Task.FromResult(RecentLogs(Worker, 500).Contains(text, StringComparison.Ordinal)),
            () => $"the worker never logged '{text}' within {Patience}; worker logs:{Environment.NewLine}{RecentLogs(Worker)}", cancellationToken);

    /// <summary>Polls the worker's <c>/health</c> until it says <paramref name="status"/> (or the patience runs out).</summary>
    public async Task WaitForWorkerHealthAsync(string status, CancellationToken cancellationToken)
    {
        var last = string.Empty;
        await EventuallyAsync(async ct => (last = await WorkerHealthAsync(ct)) == status,
            () => $"the worker's health stayed '{last}' instead of '{status}' for {Patience}; worker logs:{Environment.NewLine}{RecentLogs(Worker)}", cancellationToken);
    }
}

[CollectionDefinition(nameof(PipelineTestGroup))]
public sealed class PipelineTestGroup : ICollectionFixture<PipelineFixture>;
