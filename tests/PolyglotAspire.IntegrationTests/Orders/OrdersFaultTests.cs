using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Npgsql;
using Npgsql.Replication;
using Npgsql.Replication.PgOutput;
using PolyglotAspire.IntegrationTests.Infrastructure;

namespace PolyglotAspire.IntegrationTests.Orders;

/// <summary>
/// An app of its own for the tests that break things (kill the service, the relay, stop Kafka, inject faults, lose the
/// slot). Its PostgreSQL keeps at most 64 MB of WAL for the slot, so a test can reach the bound (the default is 4 GB).
/// </summary>
public sealed class OrdersFaultFixture : AppFixture
{
    public const string MaxSlotWalKeepSize = "64MB";

    protected override IEnumerable<string> Arguments => [$"Postgres:MaxSlotWalKeepSize={MaxSlotWalKeepSize}"];
}

[CollectionDefinition(nameof(OrdersFaultGroup))]
public sealed class OrdersFaultGroup : ICollectionFixture<OrdersFaultFixture>;

/// <summary>Nothing is lost when the relay, the whole service or Kafka goes away; a failed transaction leaves nothing.</summary>
[Collection(nameof(OrdersFaultGroup))]
public sealed class OrdersFaultTests(OrdersFaultFixture fixture) : IDisposable
{
    private const string SlotName = "orders_outbox_relay";
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(120);
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;
    private readonly OrdersClient _orders = new(fixture);

    [Fact]
    public async Task Killing_the_whole_service_mid_stream_loses_nothing_and_keeps_order_per_key()
    {
        var reader = await OrderEventsReader.FromNowAsync(fixture);
        var customer = "kill-" + Guid.NewGuid().ToString("N")[..12];
        await using (var writers = new ContinuousWriters(_orders, customer, 6))
        {
            await writers.WaitForSuccessesAsync(150, _ct);
            await fixture.KillAsync("orders-api", _ct);
            await fixture.StartAsync("orders-api", _ct);
            await writers.WaitForSuccessesAsync(writers.Successes + 150, _ct);
        }

        await AssertEverythingPublishedAsync(reader, customer);
    }

    [Fact]
    public async Task Killing_the_relay_connection_mid_stream_loses_nothing()
    {
        var reader = await OrderEventsReader.FromNowAsync(fixture);
        var customer = "relay-kill-" + Guid.NewGuid().ToString("N")[..8];
        await using (var writers = new ContinuousWriters(_orders, customer, 6))
        {
            for (var i = 0; i < 3; i++)
            {
                await writers.WaitForSuccessesAsync(writers.Successes + 60, _ct);
                await WaitForActiveRelayAsync(holderPid: null); // an earlier test of this fixture may have just restarted it
                Assert.True(await TerminateWalSenderAsync() > 0, "the relay was not streaming");
                await WaitForActiveRelayAsync(holderPid: null);
            }

            await writers.WaitForSuccessesAsync(writers.Successes + 60, _ct);
            Assert.Equal(0, writers.Failures);
        }

        await AssertEverythingPublishedAsync(reader, customer);
    }

    [Fact]
    public async Task A_second_consumer_holding_the_slot_keeps_the_relay_on_standby_until_it_lets_go()
    {
        var reader = await OrderEventsReader.FromNowAsync(fixture);
        var customer = "standby-" + Guid.NewGuid().ToString("N")[..8];
        await using var writers = new ContinuousWriters(_orders, customer, 4);
        await writers.WaitForSuccessesAsync(40, _ct);

        // Take the slot from the relay: end its walsender and start streaming from the slot ourselves first.
        var holder = await TakeSlotAsync();
        var holderPid = holder.ProcessId;
        try
        {
            var held = Stopwatch.StartNew();
            var before = writers.Successes;
            while (held.Elapsed < TimeSpan.FromSeconds(4))
            {
                Assert.Equal(holderPid, await ActivePidAsync());
                await Task.Delay(250, _ct);
            }

            Assert.True(writers.Successes > before, "writes stopped while the relay was on standby");
            using var health = await _orders.Http.GetAsync(new Uri("/health", UriKind.Relative), _ct);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }
        finally
        {
            await holder.DisposeAsync();
        }

        await WaitForActiveRelayAsync(holderPid);
        await writers.WaitForSuccessesAsync(writers.Successes + 40, _ct);
        await writers.DisposeAsync();
        Assert.Equal(0, writers.Failures);
        await AssertEverythingPublishedAsync(reader, customer);
    }

    [Fact]
    public async Task With_Kafka_stopped_writes_succeed_and_everything_is_published_once_it_is_back_even_across_a_crash()
    {
        var reader = await OrderEventsReader.FromNowAsync(fixture);
        var customer = "kafka-down-" + Guid.NewGuid().ToString("N")[..8];
        await using (var writers = new ContinuousWriters(_orders, customer, 4))
        {
            await writers.WaitForSuccessesAsync(60, _ct);
            await fixture.WhileStoppedAsync("kafka", async () =>
            {
                await writers.WaitForSuccessesAsync(writers.Successes + 300, _ct);
                Assert.Equal(0, writers.Failures);
                using (var health = await _orders.Http.GetAsync(new Uri("/health", UriKind.Relative), _ct))
                {
                    Assert.Equal(HttpStatusCode.OK, health.StatusCode);
                }

                // The events of those writes exist only in the WAL (the slot is not confirmed past them) and in the
                // producer's memory. Kill the process: only the slot can bring them back.
                await fixture.KillAsync("orders-api", _ct);
            }, _ct);
            await fixture.StartAsync("orders-api", _ct);
            await writers.WaitForSuccessesAsync(writers.Successes + 60, _ct);
        }

        await AssertEverythingPublishedAsync(reader, customer);
    }

    [Fact]
    public async Task A_failure_after_the_order_insert_leaves_neither_the_order_nor_its_event()
    {
        var reader = await OrderEventsReader.FromNowAsync(fixture);
        var customer = "fault-" + Guid.NewGuid().ToString("N")[..12];
        var victim = await _orders.CreateAsync("fault-victim-" + Guid.NewGuid().ToString("N")[..8], _ct);
        var key = "fault-key-" + Guid.NewGuid();

        // A test-only fault inside the database: the outbox insert (after the order and its lines, before COMMIT)
        // fails for this customer's orders and for the victim's status change. Production code is untouched.
        var function = "test_fail_outbox_" + Guid.NewGuid().ToString("N")[..8];
        await _orders.ExecuteSqlAsync($"""
            CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.order_id = '{victim.Id}' OR EXISTS (SELECT 1 FROM orders WHERE id = NEW.order_id AND customer_id = '{customer}') THEN
                    RAISE EXCEPTION 'injected fault';
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER {function} BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION {function}();
            """, _ct);
        try
        {
            using (var create = await _orders.PostAsync(OrdersClient.Body(customer, ("A", 1, 1m), ("B", 2, 2m)), key, _ct))
            {
                Assert.Equal(HttpStatusCode.InternalServerError, create.StatusCode);
            }

            using (var change = await _orders.ChangeStatusAsync(victim.Id, "paid", cancellationToken: _ct))
            {
                Assert.Equal(HttpStatusCode.InternalServerError, change.StatusCode);
            }
        }
        finally
        {
            await _orders.ExecuteSqlAsync($"DROP TRIGGER {function} ON outbox; DROP FUNCTION {function}();", _ct);
        }

        Assert.Equal((0, 0, 0), await _orders.CountAsync(customer, key, _ct));
        var read = (await _orders.Http.GetFromJsonAsync<OrderDto>($"/api/orders/{victim.Id}", OrdersClient.Json, _ct))!;
        Assert.Equal(("new", 1), (read.Status, read.Version));

        // Nothing of either failed transaction reached Kafka: read up to a later write's token.
        var after = await _orders.CreateAsync(customer + "-after", _ct);
        var messages = await reader.ReadUntilAsync(after.ConsistencyToken!, ReadTimeout, _ct);
        Assert.DoesNotContain(messages, m => m.Event.CustomerId == customer);
        Assert.Equal([1], messages.Where(m => m.Event.OrderId == victim.Id).Select(m => m.Event.OrderVersion));
        Assert.Contains(messages, m => m.Event.OrderId == after.Id);
    }

    /// <summary>
    /// Reads the topic up to a fresh write's token and checks it against PostgreSQL, the source of truth: every order
    /// of the customer, with every version up to its current one, in order (repeats after a crash allowed, never before).
    /// </summary>
    private async Task AssertEverythingPublishedAsync(OrderEventsReader reader, string customer)
    {
        var barrier = await _orders.CreateAsync(customer + "-barrier", _ct);
        var messages = await reader.ReadUntilAsync(barrier.ConsistencyToken!, ReadTimeout, _ct);

        var versions = new Dictionary<Guid, int>();
        await using (var connection = new NpgsqlConnection(await fixture.ConnectionStringAsync("ordersdb")))
        {
            await connection.OpenAsync(_ct);
            await using var command = new NpgsqlCommand("SELECT id, version FROM orders WHERE customer_id = $1", connection) { Parameters = { new() { Value = customer } } };
            await using var rows = await command.ExecuteReaderAsync(_ct);
            while (await rows.ReadAsync(_ct))
            {
                versions[rows.GetGuid(0)] = rows.GetInt32(1);
            }
        }

        Assert.NotEmpty(versions);
        DeliveryAssertions.AssertOrderedWithoutLoss(messages, versions);

        // No event for an order that is not in PostgreSQL (nothing uncommitted was published).
        var published = messages.Where(m => m.Event.CustomerId == customer).Select(m => m.Event.OrderId).ToHashSet();
        Assert.Subset(versions.Keys.ToHashSet(), published);
    }

    private async Task<long> TerminateWalSenderAsync()
    {
        await using var connection = new NpgsqlConnection(await fixture.ConnectionStringAsync("ordersdb"));
        await connection.OpenAsync(_ct);
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL) t", connection)
        {
            Parameters = { new() { Value = SlotName } },
        };
        return (long)(await command.ExecuteScalarAsync(_ct))!;
    }

    private async Task<int?> ActivePidAsync()
    {
        await using var connection = new NpgsqlConnection(await fixture.ConnectionStringAsync("ordersdb"));
        await connection.OpenAsync(_ct);
        await using var command = new NpgsqlCommand("SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1", connection) { Parameters = { new() { Value = SlotName } } };
        return await command.ExecuteScalarAsync(_ct) as int?;
    }

    /// <summary>Waits until a walsender other than <paramref name="holderPid"/> streams from the slot (the relay is back).</summary>
    private async Task WaitForActiveRelayAsync(int? holderPid)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (await ActivePidAsync() is not { } pid || pid == holderPid)
        {
            await Task.Delay(100, timeout.Token);
        }
    }

    /// <summary>Ends the relay's walsender and starts streaming from the slot before the relay reconnects (retrying if it wins).</summary>
    private async Task<SlotHolder> TakeSlotAsync()
    {
        var connectionString = await fixture.ConnectionStringAsync("ordersdb");
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var holder = await SlotHolder.OpenAsync(connectionString, _ct);
            await TerminateWalSenderAsync();
            holder.StartHolding(SlotName);

            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(3) && !holder.Holding.IsCompleted)
            {
                if (await ActivePidAsync() == holder.ProcessId)
                {
                    return holder;
                }

                await Task.Delay(20, _ct);
            }

            await holder.DisposeAsync();
        }

        Assert.Fail("Could not take the replication slot from the relay.");
        throw new UnreachableException();
    }

    public void Dispose() => _orders.Dispose();

    /// <summary>
    /// A replication connection streaming from the relay's slot without ever confirming. Stopped by cancelling its
    /// stream first and only then closing the connection: disposing a connection while another task is still
    /// enumerating its stream can wait forever.
    /// </summary>
    private sealed class SlotHolder : IAsyncDisposable
    {
        private readonly LogicalReplicationConnection _connection;
        private readonly CancellationTokenSource _stop = new();

        private SlotHolder(LogicalReplicationConnection connection) => _connection = connection;

        public int ProcessId => _connection.ProcessID;

        public Task Holding { get; private set; } = Task.CompletedTask;

        public static async Task<SlotHolder> OpenAsync(string connectionString, CancellationToken cancellationToken)
        {
            var connection = new LogicalReplicationConnection(connectionString);
            await connection.Open(cancellationToken);
            return new SlotHolder(connection);
        }

        public void StartHolding(string slotName)
        {
            var stream = _connection.StartReplication(new PgOutputReplicationSlot(slotName),
                new PgOutputReplicationOptions("orders_outbox", PgOutputProtocolVersion.V1), _stop.Token);
            Holding = Task.Run(async () =>
            {
                await foreach (var _ in stream)
                {
                    // Read and drop; never confirm anything (the slot's position stays the relay's).
                }
            }, CancellationToken.None);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await Holding.ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(TimeSpan.FromSeconds(30));
            await _connection.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            _stop.Dispose();
        }
    }

    /// <summary>
    /// Clients that keep writing (create, pay, ship, next order) until disposed; a failed request (the service is
    /// down) is counted and the client goes on. PostgreSQL, not the client, says what was committed.
    /// </summary>
    private sealed class ContinuousWriters : IAsyncDisposable
    {
        private static readonly string[] Lifecycle = ["paid", "shipped"];
        private readonly CancellationTokenSource _stop = new();
        private readonly Task[] _clients;
        private long _successes;
        private long _failures;

        public ContinuousWriters(OrdersClient orders, string customer, int clients)
        {
            _clients = Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    try
                    {
                        using var created = await orders.PostAsync(OrdersClient.Body(customer), cancellationToken: CancellationToken.None);
                        if (!Count(created.StatusCode == HttpStatusCode.Created))
                        {
                            continue;
                        }

                        var order = (await created.Content.ReadFromJsonAsync<OrderDto>(OrdersClient.Json))!;
                        foreach (var status in Lifecycle)
                        {
                            using var changed = await orders.ChangeStatusAsync(order.Id, status);
                            if (!Count(changed.StatusCode == HttpStatusCode.OK))
                            {
                                break;
                            }
                        }
                    }
                    catch (HttpRequestException)
                    {
                        Interlocked.Increment(ref _failures);
                        await Task.Delay(50);
                    }
                }
            })).ToArray();
        }

        public long Successes => Interlocked.Read(ref _successes);

        public long Failures => Interlocked.Read(ref _failures);

        public async Task WaitForSuccessesAsync(long count, CancellationToken cancellationToken)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(90));
            while (Successes < count)
            {
                Assert.False(_clients.Any(c => c.IsFaulted), "a writer crashed");
                await Task.Delay(50, timeout.Token);
            }
        }

        private bool Count(bool success)
        {
            Interlocked.Increment(ref success ? ref _successes : ref _failures);
            return success;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_stop.IsCancellationRequested)
            {
                await _stop.CancelAsync();
                await Task.WhenAll(_clients);
            }

            _stop.Dispose();
        }
    }
}
