using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace PolyglotAspire.IntegrationTests.Orders;

/// <summary>
/// A write whose connection fails after COMMIT was sent: it may be committed, so the answer must not say "nothing was
/// written" (issue 13 item 4). It gets an app of its own (the fault fixture): it changes server settings for a moment.
/// </summary>
[Collection(nameof(OrdersFaultGroup))]
public sealed class CommitOutcomeTests(OrdersFaultFixture fixture) : IDisposable
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;
    private readonly OrdersClient _orders = new(fixture);

    [Fact]
    public async Task A_connection_lost_after_COMMIT_answers_outcome_unknown_and_a_retry_with_the_same_key_replays_the_order()
    {
        var customer = "unknown-outcome-" + Guid.NewGuid().ToString("N")[..8];
        var key = "unknown-outcome-key-" + Guid.NewGuid();
        var function = "test_sync_commit_" + Guid.NewGuid().ToString("N")[..8];

        // A real "committed, but the client never heard": synchronous replication to a standby that does not exist
        // makes COMMIT wait after the commit record is written locally; ending that backend then drops the connection
        // with the transaction committed. Only this customer's transactions wait (synchronous_commit = on, set by a
        // test-only trigger); every other session stays at 'local'. Production code is untouched.
        await _orders.ExecuteSqlAsync("ALTER SYSTEM SET synchronous_commit = 'local'", _ct);
        await _orders.ExecuteSqlAsync("ALTER SYSTEM SET synchronous_standby_names = 'polyglot_test_nobody'", _ct);
        await _orders.ExecuteSqlAsync("SELECT pg_reload_conf()", _ct);
        await _orders.ExecuteSqlAsync($"""
            CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF EXISTS (SELECT 1 FROM orders WHERE id = NEW.order_id AND customer_id = '{customer}') THEN
                    PERFORM set_config('synchronous_commit', 'on', true);
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER {function} BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION {function}();
            """, _ct);
        try
        {
            var posting = _orders.PostAsync(OrdersClient.Body(customer), key, _ct);
            var waiting = await WaitForCommitStuckInSyncRepAsync();
            await _orders.ExecuteSqlAsync($"SELECT pg_terminate_backend({waiting})", _ct);

            using var answer = await posting;
            var text = await answer.Content.ReadAsStringAsync(_ct);
            Assert.True(answer.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)answer.StatusCode}: {text}");
            var problem = JsonSerializer.Deserialize<JsonElement>(text);
            Assert.Equal("Outcome unknown", problem.GetProperty("title").GetString());
            Assert.Equal("unknown", problem.GetProperty("outcome").GetString());
            var orderId = problem.GetProperty("orderId").GetGuid();
            Assert.Contains($"GET /api/orders/{orderId}", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.False(answer.Headers.Contains("Retry-After"));

            // It was committed (locally): the answer was right not to say "nothing was written".
            using (var read = await _orders.Http.GetAsync(new Uri($"/api/orders/{orderId}", UriKind.Relative), _ct))
            {
                Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            }

            // The advice holds: the same request with the same key replays the first answer, no second order.
            using var retry = await _orders.PostAsync(OrdersClient.Body(customer), key, _ct);
            Assert.True(retry.StatusCode == HttpStatusCode.Created, $"{(int)retry.StatusCode}: {await retry.Content.ReadAsStringAsync(_ct)}\n{fixture.RecentLogs("orders-api")}");
            Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
            Assert.Equal(orderId, (await retry.Content.ReadFromJsonAsync<OrderDto>(OrdersClient.Json, _ct))!.Id);
            Assert.Equal(1, (await _orders.CountAsync(customer, cancellationToken: _ct)).Orders);
        }
        finally
        {
            await _orders.ExecuteSqlAsync($"DROP TRIGGER IF EXISTS {function} ON outbox; DROP FUNCTION IF EXISTS {function}();", _ct);
            await _orders.ExecuteSqlAsync("ALTER SYSTEM RESET synchronous_standby_names", _ct);
            await _orders.ExecuteSqlAsync("ALTER SYSTEM RESET synchronous_commit", _ct);
            await _orders.ExecuteSqlAsync("SELECT pg_reload_conf()", _ct);
        }
    }

    /// <summary>The backend whose COMMIT waits for the (absent) synchronous standby.</summary>
    private async Task<int> WaitForCommitStuckInSyncRepAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            await using var connection = new NpgsqlConnection(await fixture.ConnectionStringAsync("ordersdb"));
            await connection.OpenAsync(timeout.Token);
            await using var command = new NpgsqlCommand("SELECT pid FROM pg_stat_activity WHERE wait_event = 'SyncRep' LIMIT 1", connection);
            if (await command.ExecuteScalarAsync(timeout.Token) is int pid)
            {
                return pid;
            }

            await Task.Delay(50, timeout.Token);
        }
    }

    public void Dispose() => _orders.Dispose();
}
