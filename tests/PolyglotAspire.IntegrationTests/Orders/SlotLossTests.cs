using System.Net;
using Npgsql;
using Aspire.Hosting.Testing;
using PolyglotAspire.IntegrationTests.Analytics;

namespace PolyglotAspire.IntegrationTests.Orders;

/// <summary>
/// A lost replication slot (issue 13 items 2 and 6): dropped, or invalidated when Kafka is down longer than
/// <c>max_slot_wal_keep_size</c> allows. Capture stops and says so — health, logs, <c>capture_slots</c> — instead of
/// restarting silently at the current WAL position; writes go on; analytics claims no freshness past the loss; and the
/// operator's way back (<c>recreate_after_loss</c>) starts capture again. Each test ends recovered, for the tests after it.
/// </summary>
[Collection(nameof(OrdersFaultGroup))]
public sealed class SlotLossTests(OrdersFaultFixture fixture) : IDisposable
{
    private const string SlotName = "orders_outbox_relay";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;
    private readonly OrdersClient _orders = new(fixture);
    private readonly AnalyticsClient _analytics = new(fixture.App.CreateHttpClient("analytics-api"));

    [Fact]
    public async Task A_dropped_slot_stops_capture_is_not_recreated_at_restart_and_analytics_answers_writes_after_it_from_PostgreSQL()
    {
        var writer = new OrdersWriter(_orders.Http);
        var region = $"slot-lost-{Guid.NewGuid():N}"[..20];
        await writer.CreateAsync("C-slot", region, 1m, 1, _ct);
        await _analytics.WaitVisibleAsync(writer.LastToken, _ct); // captured and synchronised up to here
        try
        {
            await DropSlotAsync(); // while the relay runs: its walsender is ended and the slot dropped before it reconnects
            await HealthIsAsync(HttpStatusCode.ServiceUnavailable, "Unhealthy");
            await LoggedAsync("was lost"); // the resource logs stream in after the health flips

            // Writes go on; the one after the loss is never captured.
            var (_, afterLoss) = await writer.CreateAsync("C-slot", region, 1m, 1, _ct);

            // A restart does not paper over the loss with a new slot at the current position.
            await fixture.StopAsync("orders-api", _ct);
            await fixture.StartAsync("orders-api", _ct, waitUntilHealthy: false);
            await HealthIsAsync(HttpStatusCode.ServiceUnavailable, "Unhealthy");
            Assert.Null(await SlotAsync());
            var (lostAt, reason) = await LossRecordAsync();
            Assert.NotNull(lostAt);
            Assert.Contains("no longer exists", reason, StringComparison.Ordinal);

            // Analytics claims no freshness past the loss: the write after it is not "visible", and a read that must
            // include it comes from PostgreSQL, with it.
            Assert.False((await _analytics.FreshnessAsync(_ct, afterLoss, waitMs: 1_000)).GetProperty("tokenVisible").GetBoolean());
            var session = await _analytics.GetAsync($"/api/analytics/revenue?region={region}&consistency=session", _ct, afterLoss);
            Assert.Equal("oltp", session.Source);
            Assert.Equal(2, Assert.Single(session.Data.EnumerateArray()).GetProperty("orders").GetInt64());
        }
        finally
        {
            await RecreateAfterLossAsync();
        }

        // The way back: a new slot, and what is written from now on is captured again.
        var (_, recovered) = await writer.CreateAsync("C-slot", region, 1m, 1, _ct);
        await _analytics.WaitVisibleAsync(recovered, _ct);
    }

    [Fact]
    public async Task WAL_retention_is_bounded_and_a_slot_invalidated_at_the_bound_stops_capture_until_an_operator_acts()
    {
        // The bound is what the AppHost gave PostgreSQL (Postgres:MaxSlotWalKeepSize; this fixture sets a small one).
        await using (var connection = await OpenAsync())
        await using (var show = new NpgsqlCommand("SHOW max_slot_wal_keep_size", connection))
        {
            Assert.Equal(OrdersFaultFixture.MaxSlotWalKeepSize, await show.ExecuteScalarAsync(_ct));
        }

        var filler = "wal_filler_" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            await fixture.WhileStoppedAsync("kafka", async () =>
            {
                // Kafka down: nothing is acknowledged, so the slot holds on to the WAL written from now on.
                await _orders.ExecuteSqlAsync($"CREATE TABLE {filler} (x text)", _ct);
                await _orders.ExecuteSqlAsync($"INSERT INTO {filler} SELECT repeat(md5(i::text), 32) FROM generate_series(1, 100000) i", _ct); // ~ 110 MB of WAL
                await HealthIsAsync(HttpStatusCode.OK, "Degraded"); // 'unreserved': lost at the next checkpoint

                await _orders.ExecuteSqlAsync("CHECKPOINT", _ct); // PostgreSQL invalidates the slot and ends its walsender
                await HealthIsAsync(HttpStatusCode.ServiceUnavailable, "Unhealthy");
                var (lostAt, reason) = await LossRecordAsync();
                Assert.NotNull(lostAt);
                Assert.Contains("max_slot_wal_keep_size", reason, StringComparison.Ordinal);
            }, _ct);

            // Kafka is back, the slot is not: capture stays stopped until an operator acts.
            await HealthIsAsync(HttpStatusCode.ServiceUnavailable, "Unhealthy");
            Assert.Equal("lost", (await SlotAsync())?.WalStatus);
        }
        finally
        {
            await _orders.ExecuteSqlAsync($"DROP TABLE IF EXISTS {filler}", _ct);
            await RecreateAfterLossAsync();
        }

        Assert.NotEqual("lost", (await SlotAsync())?.WalStatus);
        var writer = new OrdersWriter(_orders.Http);
        var (_, recovered) = await writer.CreateAsync("C-retention", "eu-west", 1m, 1, _ct);
        await _analytics.WaitVisibleAsync(recovered, _ct);
    }

    /// <summary>The operator's step after a loss: allow a new slot, restart Orders.Api, and see it healthy.</summary>
    private async Task RecreateAfterLossAsync()
    {
        await _orders.ExecuteSqlAsync($"UPDATE capture_slots SET recreate_after_loss = true WHERE slot_name = '{SlotName}' AND lost_at IS NOT NULL", _ct);
        using var timeout = new CancellationTokenSource(Infrastructure.AppFixture.StartTimeout);
        await fixture.StopAsync("orders-api", timeout.Token);
        await fixture.StartAsync("orders-api", timeout.Token);
    }

    /// <summary>Polls <c>/health</c> until it answers <paramref name="status"/> with <paramref name="word"/>.</summary>
    private async Task HealthIsAsync(HttpStatusCode status, string word)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_ct);
        timeout.CancelAfter(Patience);
        var last = "";
        while (true)
        {
            try
            {
                using var response = await _orders.Http.GetAsync(new Uri("/health", UriKind.Relative), timeout.Token);
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(timeout.Token)}";
                if (response.StatusCode == status && last.EndsWith(word, StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message; // restarting
            }
            catch (OperationCanceledException) when (!_ct.IsCancellationRequested)
            {
                Assert.Fail($"/health did not answer {(int)status} {word} within {Patience}; last: {last}\n{fixture.RecentLogs("orders-api")}");
            }

            await Task.Delay(200, timeout.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task LoggedAsync(string text)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!fixture.RecentLogs("orders-api", 200).Contains(text, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"orders-api did not log '{text}' within {Patience}:\n{fixture.RecentLogs("orders-api")}");
            await Task.Delay(200, _ct);
        }
    }

    private async Task DropSlotAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_ct);
        timeout.CancelAfter(Patience);
        while (true)
        {
            try
            {
                await _orders.ExecuteSqlAsync($"SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '{SlotName}' AND active_pid IS NOT NULL", _ct);
                await _orders.ExecuteSqlAsync($"SELECT pg_drop_replication_slot('{SlotName}')", _ct);
                return;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ObjectInUse && !timeout.IsCancellationRequested)
            {
                // The relay reconnected first: end it again.
            }
        }
    }

    private sealed record Slot(string? WalStatus);

    private async Task<Slot?> SlotAsync()
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand("SELECT wal_status FROM pg_replication_slots WHERE slot_name = $1", connection) { Parameters = { new() { Value = SlotName } } };
        await using var reader = await command.ExecuteReaderAsync(_ct);
        return await reader.ReadAsync(_ct) ? new Slot(reader.IsDBNull(0) ? null : reader.GetString(0)) : null;
    }

    private async Task<(DateTime? LostAt, string Reason)> LossRecordAsync()
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand("SELECT lost_at, coalesce(lost_reason, '') FROM capture_slots WHERE slot_name = $1", connection) { Parameters = { new() { Value = SlotName } } };
        await using var reader = await command.ExecuteReaderAsync(_ct);
        Assert.True(await reader.ReadAsync(_ct), "no capture_slots row");
        return (reader.IsDBNull(0) ? null : reader.GetDateTime(0), reader.GetString(1));
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(await fixture.ConnectionStringAsync("ordersdb"));
        await connection.OpenAsync(_ct);
        return connection;
    }

    public void Dispose() => _orders.Dispose();
}
