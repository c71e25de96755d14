using System.Globalization;
using MessagePack;
using PolyglotAspire.Contracts;

namespace PolyglotAspire.IntegrationTests.Pipeline;

/// <summary>
/// The sync pipeline on real Kafka 0.9 and the real ClickHouse engine, started by the AppHost: synthetic envelopes
/// go straight to <c>orders.events</c> and ClickHouse must end up holding exactly what they describe — count and
/// revenue per region and UTC day — through kills, outages, poison, duplicates and reordering.
/// </summary>
[Collection(nameof(PipelineTestGroup))]
public sealed class PipelineTests(PipelineFixture fixture)
{
    private static readonly int[] FutureArray = [1, 2, 3];

    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_random_workload_of_creates_status_changes_and_deletes_is_exact_and_heartbeats_advance_the_watermark()
    {
        var workload = (await fixture.WorkloadAsync("random", seed: 1)).Generate(orders: 8_000, changes: 16_000);
        await fixture.ProduceAsync(workload.Events, _ct);
        var heartbeat = workload.Heartbeat();
        await fixture.ProduceHeartbeatAsync(heartbeat, _ct);

        await fixture.AssertConvergesAsync(workload, _ct);
        await fixture.AssertFullyCommittedAsync(_ct);

        using var client = await fixture.ClickHouseAsync();
        Assert.Equal(0UL, (ulong)(await client.ExecuteScalarAsync("SELECT count() FROM orders WHERE order_id = toUUID('00000000-0000-0000-0000-000000000000')", cancellationToken: _ct))!);

        // The watermark: every partition holds the heartbeat's LSN and time (contracts.md §2, §4), and sync_state's
        // next_offset is what the group committed. The app's relay keeps sending heartbeats, and a batch writes
        // sync_state just before it commits: a read between the two sees sync_state one batch ahead, so the two are
        // read again (briefly) until they agree, and the last read is what is asserted.
        long[] committed = [];
        var rows = new List<(int Partition, long NextOffset, ulong Lsn, long AsOfMs)>();
        for (var attempt = 0; attempt < 50; attempt++)
        {
            committed = await fixture.CommittedAsync();
            rows.Clear();
            using (var reader = await client.ExecuteReaderAsync(
                "SELECT partition, next_offset, lsn, toUnixTimestamp64Milli(as_of) FROM sync_state FINAL WHERE topic = 'orders.events' ORDER BY partition",
                cancellationToken: _ct))
            {
                while (reader.Read())
                {
                    rows.Add((Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture), Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture),
                        Convert.ToUInt64(reader.GetValue(2), CultureInfo.InvariantCulture), Convert.ToInt64(reader.GetValue(3), CultureInfo.InvariantCulture)));
                }
            }

            if (rows.All(r => r.NextOffset == committed[r.Partition]))
            {
                break;
            }

            await Task.Delay(100, _ct);
        }

        var partitions = 0;
        foreach (var (partition, nextOffset, lsn, asOfMs) in rows)
        {
            Assert.Equal(committed[partition], nextOffset);
            Assert.True(lsn >= heartbeat.CommitLsn, $"partition {partition} lsn");
            Assert.True(asOfMs >= heartbeat.CommitTimeMs, $"partition {partition} as_of");
            partitions++;
        }

        Assert.Equal(PipelineFixture.Partitions, partitions);
    }

    [Fact]
    public async Task Duplicate_and_out_of_order_deliveries_collapse_to_the_latest_version()
    {
        var workload = (await fixture.WorkloadAsync("reorder", seed: 5)).Generate(orders: 4_000, changes: 10_000);
        var random = new Random(5);

        // Per order: every change one to three times, in shuffled order; orders interleaved at random.
        var perOrder = workload.Events.GroupBy(e => e.OrderId)
            .Select(g => new Queue<OrderEvent>(g.SelectMany(e => Enumerable.Repeat(e, random.Next(1, 4))).OrderBy(_ => random.Next())))
            .ToList();
        var deliveries = new List<OrderEvent>();
        while (perOrder.Count > 0)
        {
            var i = random.Next(perOrder.Count);
            deliveries.Add(perOrder[i].Dequeue());
            if (perOrder[i].Count == 0)
            {
                perOrder.RemoveAt(i);
            }
        }

        Assert.True(deliveries.Count > workload.Events.Count * 3 / 2);
        await fixture.ProduceAsync(deliveries, _ct);
        await fixture.AssertConvergesAsync(workload, _ct);
    }

    [Fact]
    public async Task One_percent_poison_goes_to_the_dead_letter_topic_with_its_bytes_and_reason_and_the_rest_is_exact()
    {
        var workload = (await fixture.WorkloadAsync("poison", seed: 4)).Generate(orders: 5_000, changes: 5_000);
        var random = new Random(4);
        var messages = new List<(byte[]? Key, byte[] Value, int? Partition)>();
        var poison = new Dictionary<int, string>(); // message index -> expected reason
        var extended = 0;
        foreach (var e in workload.Events)
        {
            var envelope = OrderEventSerializer.Serialize(e);
            if (random.NextDouble() < 0.01)
            {
                // A newer writer's envelope: two unknown trailing fields. It must decode like any other.
                envelope = [0xdc, 0x00, (byte)(OrderEventKeys.Count + 2), .. envelope.AsSpan(ArrayHeader),
                    .. MessagePackSerializer.Serialize("a future field", cancellationToken: _ct), .. MessagePackSerializer.Serialize(FutureArray, cancellationToken: _ct)];
                extended++;
            }

            messages.Add((PipelineFixture.Key(e.OrderId), envelope, null));
            if (random.NextDouble() < 0.01)
            {
                var (bytes, reason) = Poison(random, OrderEventSerializer.Serialize(e));
                poison[messages.Count] = reason;
                messages.Add((PipelineFixture.Key(e.OrderId), bytes, null));
            }
        }

        Assert.True(poison.Count >= 50 && extended >= 50, $"{poison.Count} poison, {extended} extended");
        var landed = await fixture.ProduceRawAsync(messages, _ct);

        await fixture.AssertConvergesAsync(workload, _ct);
        await fixture.AssertFullyCommittedAsync(_ct); // past every poison message: each one is in the DLQ

        var expected = poison.ToDictionary(p => (landed[p.Key].Partition.Value, landed[p.Key].Offset.Value), p => (p.Value, messages[p.Key].Value));
        var letters = (await fixture.DeadLettersAsync(_ct))
            .Select(d => d.RootElement)
            .Where(r => r.GetProperty("topic").GetString() == Topics.OrderEvents)
            .ToDictionary(r => (r.GetProperty("partition").GetInt32(), r.GetProperty("offset").GetInt64()));
        foreach (var ((partition, offset), (reason, bytes)) in expected)
        {
            Assert.True(letters.TryGetValue((partition, offset), out var letter), $"no dead letter for partition {partition} offset {offset} ({reason})");
            Assert.Equal("polyglot.dead-letter/1", letter.GetProperty("format").GetString());
            Assert.Equal(reason, letter.GetProperty("reason").GetString());
            Assert.Equal(bytes, letter.GetProperty("value").GetBytesFromBase64());
        }

        Assert.Equal(expected.Count, letters.Keys.Count(k => expected.ContainsKey(k)));
    }

    /// <summary>An envelope's array header: array16 (<c>0xdc</c> + 2 bytes), as it has more than 15 fields.</summary>
    private const int ArrayHeader = 3;

    /// <summary>One broken message, derived from a valid envelope, and the reason the worker must give.</summary>
    private static (byte[] Bytes, string Reason) Poison(Random random, byte[] valid)
    {
        switch (random.Next(7))
        {
            case 0:
                var garbage = new byte[random.Next(1, 300)];
                random.NextBytes(garbage);
                garbage[0] = 0x07; // a positive fixint: not an array
                return (garbage, "not_an_array");
            case 1:
                return (valid[..random.Next(2, valid.Length - 1)], "truncated");
            case 2:
                var bogus = valid.ToArray();
                bogus[ArrayHeader] = 0x00; // SchemaVersion 0 (a newer one would stop the partition, not be dead-lettered)
                return (bogus, "unsupported_schema_version");
            case 3:
                var wrongType = valid.ToArray();
                wrongType[ArrayHeader] = 0xc0; // SchemaVersion nil
                return (wrongType, "wrong_type");
            case 4:
                return ([], "empty");
            case 5:
                return ([.. valid, 0x01], "trailing_bytes");
            default:
                var badType = valid.ToArray();
                badType[ArrayHeader + 19] = 0x09; // EventType 9 (bytes: array, version, bin8 header, 16 id bytes, then the event type)
                return (badType, "invalid_value");
        }
    }

    [Fact]
    public async Task Killing_the_worker_mid_stream_several_times_still_ends_exact()
    {
        var workload = (await fixture.WorkloadAsync("kill", seed: 2)).Generate(orders: 30_000, changes: 60_000);
        var chunks = workload.Events.Chunk(4_000).ToList();
        var producing = Task.Run(async () =>
        {
            foreach (var chunk in chunks)
            {
                await fixture.ProduceAsync(chunk, _ct);
                await Task.Delay(250, _ct);
            }
        }, _ct);

        for (var kill = 0; kill < 3; kill++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(1200), _ct);
            await fixture.KillAsync(PipelineFixture.Worker, _ct);
            await fixture.StartAsync(PipelineFixture.Worker, _ct);
        }

        await producing;
        await fixture.AssertConvergesAsync(workload, _ct);
        await fixture.AssertFullyCommittedAsync(_ct);
    }

    [Fact]
    public async Task While_ClickHouse_is_down_nothing_is_committed_and_after_it_returns_everything_is_exact()
    {
        var workload = (await fixture.WorkloadAsync("outage", seed: 3)).Generate(orders: 5_000, changes: 5_000);
        await fixture.ProduceAsync(workload.Events, _ct);
        await fixture.AssertConvergesAsync(workload, _ct);
        await fixture.AssertFullyCommittedAsync(_ct);

        await fixture.WhileStoppedAsync(PipelineFixture.ClickHouseServer, async () =>
        {
            // Nothing produced from now on can be written, so none of it may be committed. (The app's relay keeps
            // producing heartbeats, so the worker may still have committed some of those until ClickHouse stopped.)
            var endWhenStopped = await fixture.EndOffsetsAsync();
            var written = workload.Events.Count;
            workload.Generate(orders: 5_000, changes: 10_000);
            await fixture.ProduceAsync(workload.Events.Skip(written), _ct);
            await fixture.WaitForWorkerHealthAsync("Degraded", _ct); // retried for SyncWorker:DegradedAfter (5 s)
            var committed = await fixture.CommittedAsync();
            Assert.All(committed.Zip(endWhenStopped), p => Assert.True(p.First <= p.Second, $"committed {p.First} past the end {p.Second} when ClickHouse stopped"));
        }, _ct);

        await fixture.AssertConvergesAsync(workload, _ct);
        await fixture.AssertFullyCommittedAsync(_ct);
        await fixture.WaitForWorkerHealthAsync("Healthy", _ct);
    }

    [Fact]
    public async Task What_ClickHouse_holds_outlives_a_restart_of_its_server()
    {
        using var writer = await fixture.ClickHouseAsync();
        var table = $"restart_probe_{Guid.NewGuid():N}";
        await writer.ExecuteNonQueryAsync($"CREATE TABLE {table} (x UInt32) ENGINE = MergeTree ORDER BY x", cancellationToken: _ct);
        await writer.ExecuteNonQueryAsync($"INSERT INTO {table} SELECT number FROM numbers(1000)", cancellationToken: _ct);

        await fixture.WhileStoppedAsync(PipelineFixture.ClickHouseServer, async () =>
        {
            var down = await Assert.ThrowsAnyAsync<Exception>(() => writer.ExecuteScalarAsync("SELECT 1", cancellationToken: _ct));
            Assert.Equal(System.Net.Sockets.SocketError.ConnectionRefused, Assert.IsType<System.Net.Sockets.SocketException>(down.GetBaseException()).SocketErrorCode);
        }, _ct);

        using var again = await fixture.ClickHouseAsync();
        Assert.Equal(499_500UL, await again.ExecuteScalarAsync($"SELECT sum(x) FROM {table}", cancellationToken: _ct));
        await again.ExecuteNonQueryAsync($"DROP TABLE {table}", cancellationToken: _ct);
        await fixture.WaitForWorkerHealthAsync("Healthy", _ct);
    }

    [Fact]
    public async Task A_graceful_stop_drains_and_commits_and_a_restart_resumes_exactly()
    {
        var workload = (await fixture.WorkloadAsync("graceful", seed: 6)).Generate(orders: 20_000, changes: 20_000);
        var producing = fixture.ProduceAsync(workload.Events, _ct);
        await Task.Delay(500, _ct);
        await fixture.WhileStoppedAsync(PipelineFixture.Worker, async () => // stopped mid-stream
        {
            await producing;

            // Whatever it consumed before stopping is in ClickHouse and committed; nothing after it is.
            var committed = await fixture.CommittedAsync();
            using var client = await fixture.ClickHouseAsync();
            using var reader = await client.ExecuteReaderAsync(
                "SELECT partition, next_offset FROM sync_state FINAL WHERE topic = 'orders.events' ORDER BY partition", cancellationToken: _ct);
            while (reader.Read())
            {
                Assert.Equal(committed[Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture)], Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture));
            }
        }, _ct);

        await fixture.AssertConvergesAsync(workload, _ct);
        await fixture.AssertFullyCommittedAsync(_ct);
    }

    [Fact]
    public async Task A_member_joining_and_leaving_the_group_moves_partitions_cooperatively_and_nothing_is_lost()
    {
        var workload = (await fixture.WorkloadAsync("rebalance", seed: 7)).Generate(orders: 20_000, changes: 30_000);
        var chunks = workload.Events.Chunk(2_500).ToList();
        var producing = Task.Run(async () =>
        {
            foreach (var chunk in chunks)
            {
                await fixture.ProduceAsync(chunk, _ct);
                await Task.Delay(300, _ct);
            }
        }, _ct);

        // The worker is a member with every partition (healthy is not yet joined: an earlier test may have restarted it).
        await fixture.AssertFullyCommittedAsync(_ct);

        // A second member of the worker's group that reads but never commits (a peer that dies before writing).
        var config = await fixture.KafkaConfigAsync<Confluent.Kafka.ConsumerConfig>();
        config.GroupId = "sync-worker";
        config.PartitionAssignmentStrategy = Confluent.Kafka.PartitionAssignmentStrategy.CooperativeSticky;
        config.SessionTimeoutMs = 10_000;
        config.EnableAutoCommit = false;
        config.AutoOffsetReset = Confluent.Kafka.AutoOffsetReset.Earliest;
        var taken = new List<int>();
        long[] committedWhenTaken = [];
        using (var peer = new Confluent.Kafka.ConsumerBuilder<Confluent.Kafka.Ignore, Confluent.Kafka.Ignore>(config)
            .SetLogHandler((_, _) => { })
            .SetPartitionsAssignedHandler((_, partitions) => taken.AddRange(partitions.Select(p => p.Partition.Value)))
            .Build())
        {
            peer.Subscribe(Topics.OrderEvents);
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (taken.Count == 0 && DateTime.UtcNow < until)
            {
                peer.Consume(TimeSpan.FromMilliseconds(100));
            }

            Assert.NotEmpty(taken); // the worker gave some partitions up (cooperatively: it kept the others)
            Assert.True(taken.Count < PipelineFixture.Partitions, $"the peer took {taken.Count} partitions");
            committedWhenTaken = await fixture.CommittedAsync();
            var hold = DateTime.UtcNow + TimeSpan.FromSeconds(4);
            while (DateTime.UtcNow < hold)
            {
                peer.Consume(TimeSpan.FromMilliseconds(100));
            }

            // While the peer owned them, nobody committed those partitions: the worker does not commit what it gave up.
            var committedLater = await fixture.CommittedAsync();
            Assert.All(taken, p => Assert.Equal(committedWhenTaken[p], committedLater[p]));
            peer.Close(); // leaves: the partitions go back to the worker, from the last commit
        }

        await producing;
        await fixture.AssertConvergesAsync(workload, _ct);
        await fixture.AssertFullyCommittedAsync(_ct);
        Assert.Contains("revoked after flushing and committing", fixture.RecentLogs(PipelineFixture.Worker, 500), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_envelope_of_a_newer_schema_version_stops_its_partition_before_it_and_the_watermark_stays_behind_it()
    {
        const int Stopped = 2;
        var workload = (await fixture.WorkloadAsync("newer", seed: 8)).Generate(orders: 200, changes: 0);
        var before = workload.Events.Take(100).ToList();
        var newer = workload.Events[100] with { SchemaVersion = OrderEvent.CurrentSchemaVersion + 1 };
        var after = workload.Events.Skip(101).ToList();
        var heartbeat = workload.Heartbeat();

        // All on one partition, in order: changes a v1 worker applies, one it cannot read, more it must not apply yet.
        var landed = await fixture.ProduceRawAsync(
            before.Concat([newer]).Concat(after).Select(e => ((byte[]?)PipelineFixture.Key(e.OrderId), OrderEventSerializer.Serialize(e), (int?)Stopped))
                .Append(((byte[]?)null, OrderEventSerializer.Serialize(heartbeat), Stopped)), _ct);
        var stopAt = landed[before.Count].Offset.Value;

        using var clickHouse = await fixture.ClickHouseAsync();
        // The stop itself first: a worker still starting (after an earlier test restarted it) is Unhealthy too.
        var stopped = $"Partition {Stopped} stopped before offset {stopAt}: its envelope has SchemaVersion 2";
        await fixture.WaitForWorkerLogAsync(stopped, _ct);
        await fixture.WaitForWorkerHealthAsync("Unhealthy", _ct);
        try
        {
            // The changes before it are applied and committed; nothing from it on: no commit past it, no dead letter.
            Assert.Equal(stopAt, (await fixture.CommittedAsync())[Stopped]);
            // The app's relay keeps sending heartbeats: every other partition's watermark moves past the stopped
            // one's, which stays where it was (a heartbeat after the unread change proves nothing about it).
            var stuck = (await WatermarksAsync(clickHouse))[Stopped];
            var until = DateTime.UtcNow + PipelineFixture.Patience;
            ulong[] now;
            while ((now = await WatermarksAsync(clickHouse)).Where((_, p) => p != Stopped).Any(lsn => lsn <= stuck) && DateTime.UtcNow < until)
            {
                await Task.Delay(250, _ct);
            }

            Assert.All(now.Where((_, p) => p != Stopped), lsn => Assert.True(lsn > stuck, $"watermarks [{string.Join(",", now)}] did not move past {stuck}"));
            Assert.Equal(stuck, now[Stopped]);
            Assert.Equal((ulong)before.Count, (ulong)Convert.ToInt64(await clickHouse.ExecuteScalarAsync(
                $"SELECT count() FROM orders FINAL WHERE region LIKE 'newer-%'", cancellationToken: _ct), CultureInfo.InvariantCulture));
            Assert.DoesNotContain((await fixture.DeadLettersAsync(_ct)), d => d.RootElement.GetProperty("partition").GetInt32() == Stopped
                && d.RootElement.GetProperty("offset").GetInt64() == stopAt);
        }
        finally
        {
            // Other tests share this app: an operator's way on — here, skipping the message by hand, worker stopped.
            await fixture.WhileStoppedAsync(PipelineFixture.Worker, () => fixture.CommitAsync(Stopped, stopAt + 1), _ct);
        }

        await fixture.WaitForWorkerHealthAsync("Healthy", _ct);
    }

    private async Task<ulong[]> WatermarksAsync(ClickHouse.Driver.ClickHouseClient clickHouse)
    {
        var result = new ulong[PipelineFixture.Partitions];
        using var reader = await clickHouse.ExecuteReaderAsync(
            "SELECT partition, lsn FROM sync_state FINAL WHERE topic = 'orders.events'", cancellationToken: _ct);
        while (reader.Read())
        {
            result[Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture)] = Convert.ToUInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
        }

        return result;
    }
}
