using System.Net;
using Aspire.Hosting.Testing;
using ClickHouse.Driver;
using PolyglotAspire.AppHost.Infrastructure;
using PolyglotAspire.Contracts.Analytics;
using PolyglotAspire.IntegrationTests.Infrastructure;

namespace PolyglotAspire.IntegrationTests.Analytics;

/// <summary>
/// The worker's v1 → v2 migration of <c>orders</c> on a running app: the table is put back to the version 1 shape
/// (unpartitioned, by order_id) with all its data and the schema marked as version 1, orders are written while the
/// worker is down, then the worker starts and migrates before it consumes. Analytics answers throughout, and
/// afterwards every answer equals PostgreSQL: no order lost or counted twice.
/// </summary>
[Collection(nameof(AppTestGroup))]
public sealed class OrdersMigrationTests(AppFixture fixture)
{
    private const string Worker = "sync-worker";
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_version_1_orders_table_moves_to_version_2_online_and_every_answer_still_equals_PostgreSQL()
    {
        using var clickHouse = new ClickHouseClient(await fixture.ConnectionStringAsync(ClickHouseAccess.WriterName));
        var postgres = await fixture.ConnectionStringAsync(EnginesExtensions.OrdersDbName);
        var orders = new OrdersWriter(fixture.App.CreateHttpClient("orders-api"));
        var analytics = new AnalyticsClient(fixture.App.CreateHttpClient("analytics-api"));
        await new OldOrders(postgres, clickHouse).SeedAsync(20_000, seed: 41, monthsAgo: [1, 4, 9, 14, 20], ["eu-west", "us-east"], ["EUR", "USD", "JPY"], _ct);
        for (var i = 0; i < 10; i++)
        {
            await orders.CreateAsync("C-migration", "eu-west", 10m + i, 1, _ct, i % 2 == 0 ? "EUR" : "JPY");
        }

        await analytics.WaitVisibleAsync(orders.LastToken, _ct);
        Assert.Equal(Current, await ShapeAsync(clickHouse));

        await fixture.StopAsync(Worker, _ct);
        using var polling = new CancellationTokenSource();
        Task<List<(string Shape, HttpStatusCode Status)>>? poller = null;
        try
        {
            await PutBackVersion1Async(clickHouse);
            Assert.Equal(Version1, await ShapeAsync(clickHouse));
            // Written while no worker runs: waiting in Kafka, to be applied to the migrated table.
            for (var i = 0; i < 5; i++)
            {
                var (id, _) = await orders.CreateAsync("C-migration", "us-east", 20m + i, 2, _ct, "USD");
                await orders.ChangeStatusAsync(id, "paid", _ct);
            }

            poller = PollAsync(clickHouse, fixture.App.CreateHttpClient("analytics-api"), polling.Token);
        }
        finally
        {
            await fixture.StartAsync(Worker, _ct); // healthy = migrated and consuming (and again after a failure above)
        }

        await analytics.WaitVisibleAsync(orders.LastToken, _ct);
        await polling.CancelAsync();
        var polls = await poller!;
        TestContext.Current.SendDiagnosticMessage(
            $"{polls.Count} answers while the worker started and migrated: {polls.Count(p => p.Shape == Version1)} from version 1, {polls.Count(p => p.Shape == Current)} from version 2");

        Assert.Equal(Current, await ShapeAsync(clickHouse));
        Assert.Equal(string.Join("\n", Enumerable.Range(1, Math.Max(OrdersTable.Version, SyncStateTable.Version))), await TextAsync(clickHouse, "SELECT version FROM schema_migrations FINAL ORDER BY version FORMAT TSV"));
        Assert.Equal("0", await TextAsync(clickHouse, "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name LIKE 'orders\\_%' FORMAT TSV"));
        Assert.All(polls, p => Assert.Equal(HttpStatusCode.OK, p.Status));
        Assert.Contains(polls, p => p.Shape == Version1);
        Assert.Contains(polls, p => p.Shape == Current);
        await AnswersEqualPostgres.AssertAsync(analytics, new ExpectedFromPostgres(postgres), _ct);
    }

    private const string Version1 = "\torder_id";
    private const string Current = OrdersTable.PartitionKey + "\t" + OrdersTable.SortingKey;

    /// <summary>What a system from before migrations has: orders unpartitioned by order_id, every row kept, version 1 recorded.</summary>
    private async Task PutBackVersion1Async(ClickHouseClient clickHouse)
    {
        string[] statements =
        [
            $"""
            CREATE TABLE orders_v1 ({OrdersTable.ColumnDefinitions})
            ENGINE = ReplacingMergeTree(version, is_deleted) ORDER BY order_id
            SETTINGS non_replicated_deduplication_window = {OrdersTable.DeduplicationWindow}
            """,
            "INSERT INTO orders_v1 SELECT * FROM orders SETTINGS optimize_on_insert = 0, insert_deduplicate = 0",
            "EXCHANGE TABLES orders AND orders_v1",
            "DROP TABLE orders_v1 SYNC",
            "TRUNCATE TABLE schema_migrations",
            "INSERT INTO schema_migrations (version, name) VALUES (1, 'initial')",
        ];
        foreach (var statement in statements)
        {
            await clickHouse.ExecuteNonQueryAsync(statement, cancellationToken: _ct);
        }
    }

    /// <summary>Asks Analytics.Api one question after another until cancelled; notes the table's shape at each answer.</summary>
    private static async Task<List<(string Shape, HttpStatusCode Status)>> PollAsync(ClickHouseClient clickHouse, HttpClient analytics, CancellationToken stop)
    {
        string[] questions = ["revenue?groupBy=month", "summary?currency=USD", "top-customers?limit=5", "revenue?groupBy=day&from=2020-01-01"];
        var polls = new List<(string, HttpStatusCode)>();
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            try
            {
                using var response = await analytics.GetAsync(new Uri($"/api/analytics/{questions[i % questions.Length]}", UriKind.Relative), stop);
                polls.Add((await ShapeAsync(clickHouse), response.StatusCode));
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        }

        return polls;
    }

    private static async Task<string> ShapeAsync(ClickHouseClient clickHouse) =>
        await TextAsync(clickHouse, "SELECT partition_key, sorting_key FROM system.tables WHERE database = currentDatabase() AND name = 'orders' FORMAT TSV");

    private static async Task<string> TextAsync(ClickHouseClient clickHouse, string sql)
    {
        using var result = await clickHouse.ExecuteRawResultAsync(sql);
        return (await result.ReadAsStringAsync()).TrimEnd('\n');
    }
}
