using Aspire.Hosting.Testing;
using PolyglotAspire.Contracts.Analytics;
using PolyglotAspire.IntegrationTests.Analytics;

namespace PolyglotAspire.IntegrationTests.Recovery;

/// <summary>
/// <c>POST /api/admin/backfill</c> on real engines: ClickHouse's orders lost (truncated) and rebuilt from PostgreSQL's
/// snapshot while writers go on, a backfill killed part-way and run again, and an order lost or left over in ClickHouse
/// put right — each time reconciliation finds nothing and every analytics answer equals PostgreSQL.
/// </summary>
[Collection(nameof(RecoveryTestGroup))]
public sealed class BackfillTests(RecoveryFixture fixture)
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Backfill_after_ClickHouse_lost_its_orders_is_exact_while_writers_write()
    {
        var backfill = new BackfillClient(fixture.App.CreateHttpClient("sync-worker"));
        await using var writer = new BackgroundWriter(new OrdersWriter(fixture.App.CreateHttpClient("orders-api")), seed: 1402, _ct);
        await writer.WaitForWritesAsync(200, _ct);

        using (var clickHouse = await fixture.ClickHouseWriterAsync())
        {
            await clickHouse.ExecuteNonQueryAsync($"TRUNCATE TABLE {OrdersTable.Name}", cancellationToken: _ct);
        }

        await backfill.StartAsync(new { }, _ct);
        var writtenDuring = writer.Written;
        var done = await backfill.WaitDoneAsync(_ct);
        await writer.WaitForWritesAsync(50, _ct);
        await writer.StopAsync();
        Assert.True(writer.Written > writtenDuring, "the writer wrote during the backfill");
        Assert.True(done.GetProperty("rows").GetInt64() > 0, done.ToString());

        await AssertExactAsync(writer.Writer);
    }

    [Fact]
    public async Task Backfill_killed_part_way_and_run_again_is_exact()
    {
        var writer = new OrdersWriter(fixture.App.CreateHttpClient("orders-api"));
        using (var clickHouse = await fixture.ClickHouseWriterAsync())
        {
            // Enough orders for a throttled copy to be caught part-way.
            await new OldOrders(await fixture.PostgresAsync(), clickHouse).SeedAsync(
                3000, seed: 1403, monthsAgo: [2, 3, 4], regions: ["bf-east", "bf-west"], currencies: ["EUR", "USD"], _ct);
            await clickHouse.ExecuteNonQueryAsync($"TRUNCATE TABLE {OrdersTable.Name}", cancellationToken: _ct);
        }

        var backfill = new BackfillClient(fixture.App.CreateHttpClient("sync-worker"));
        await backfill.StartAsync(new { maxRowsPerSecond = 500 }, _ct);
        using (var patience = CancellationTokenSource.CreateLinkedTokenSource(_ct))
        {
            patience.CancelAfter(TimeSpan.FromMinutes(1));
            while ((await backfill.StatusAsync(patience.Token)).GetProperty("rows").GetInt64() == 0)
            {
                await Task.Delay(50, patience.Token);
            }
        }

        var killedAt = await backfill.StatusAsync(_ct);
        Assert.Equal("running", killedAt.GetProperty("state").GetString());
        await fixture.KillAsync("sync-worker", _ct);
        await writer.CreateAsync("C-bf", "bf-east", 12.34m, 2, _ct); // a write while the worker is down
        await fixture.StartAsync("sync-worker", _ct);

        backfill = new BackfillClient(fixture.App.CreateHttpClient("sync-worker"));
        Assert.Equal("idle", (await backfill.StatusAsync(_ct)).GetProperty("state").GetString()); // a new process
        await backfill.StartAsync(new { }, _ct);
        await backfill.WaitDoneAsync(_ct);

        await AssertExactAsync(writer);
    }

    [Fact]
    public async Task Backfill_of_a_range_restores_a_lost_order_and_deletes_one_PostgreSQL_no_longer_has()
    {
        using var clickHouse = await fixture.ClickHouseWriterAsync();
        var seeded = await new OldOrders(await fixture.PostgresAsync(), clickHouse).SeedAsync(
            40, seed: 1404, monthsAgo: [20], regions: ["tb-north"], currencies: ["EUR"], _ct, statuses: ["paid"]);
        var month = new DateTime(seeded[0].CreatedAt.Year, seeded[0].CreatedAt.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        var lost = seeded[0];
        var extra = seeded[1];
        await clickHouse.ExecuteNonQueryAsync($"ALTER TABLE {OrdersTable.Name} DELETE WHERE order_id = '{lost.Id}' SETTINGS mutations_sync = 2", cancellationToken: _ct);
        // Deleted in PostgreSQL without its delete ever reaching ClickHouse (as with a lost replication slot).
        await using (var connection = new Npgsql.NpgsqlConnection(await fixture.PostgresAsync()))
        {
            await connection.OpenAsync(_ct);
            await using var delete = new Npgsql.NpgsqlCommand($"DELETE FROM orders WHERE id = '{extra.Id}'", connection);
            Assert.Equal(1, await delete.ExecuteNonQueryAsync(_ct));
        }

        var reconciliation = new ReconciliationClient(fixture.App.CreateHttpClient("analytics-api"));
        var (from, to) = (month, month.AddMonths(1).AddDays(-1));
        Assert.Equal(2, (await reconciliation.RunAsync(_ct, from, to)).Differences.Count);

        var backfill = new BackfillClient(fixture.App.CreateHttpClient("sync-worker"));
        await backfill.StartAsync(new { from = month, to = month.AddMonths(1) }, _ct);
        var done = await backfill.WaitDoneAsync(_ct);

        Assert.Equal(seeded.Count - 1, done.GetProperty("rows").GetInt64());
        Assert.Equal(1, done.GetProperty("tombstones").GetInt64());
        var after = await reconciliation.RunAsync(_ct, from, to);
        Assert.True(after.Differences.Count == 0, after.Raw);
    }

    /// <summary>Once every write is visible: reconciliation finds nothing and every analytics endpoint equals PostgreSQL.</summary>
    private async Task AssertExactAsync(OrdersWriter writer)
    {
        var analytics = new AnalyticsClient(fixture.App.CreateHttpClient("analytics-api"));
        await analytics.WaitVisibleAsync(writer.LastToken, _ct);
        var report = await new ReconciliationClient(fixture.App.CreateHttpClient("analytics-api")).RunAsync(_ct);
        Assert.True(report.Differences.Count == 0, report.Raw);
        await AnswersEqualPostgres.AssertAsync(analytics, new ExpectedFromPostgres(await fixture.PostgresAsync()), _ct);
    }
}
