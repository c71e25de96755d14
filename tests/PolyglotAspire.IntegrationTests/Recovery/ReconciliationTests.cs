using System.Globalization;
using Aspire.Hosting.Testing;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using PolyglotAspire.Contracts.Analytics;
using PolyglotAspire.IntegrationTests.Analytics;

namespace PolyglotAspire.IntegrationTests.Recovery;

/// <summary>
/// <c>GET /api/analytics/reconciliation</c> on real engines: nothing reported while writes go on and the stores agree
/// (lag is never a difference), and exactly the buckets of an order lost in ClickHouse and of an order ClickHouse has
/// too many when they do not.
/// </summary>
[Collection(nameof(RecoveryTestGroup))]
public sealed class ReconciliationTests(RecoveryFixture fixture)
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Reconciliation_finds_no_difference_while_a_writer_keeps_writing()
    {
        var reconciliation = new ReconciliationClient(fixture.App.CreateHttpClient("analytics-api"));
        await using var writer = new BackgroundWriter(new OrdersWriter(fixture.App.CreateHttpClient("orders-api")), seed: 14, _ct);
        await writer.WaitForWritesAsync(100, _ct);

        var excluded = 0;
        for (var run = 0; run < 4; run++)
        {
            var report = await reconciliation.RunAsync(_ct);
            Assert.True(report.Differences.Count == 0, $"run {run} reported differences while the stores agree: {report.Raw}");
            Assert.True(report.Buckets > 0, report.Raw);
            excluded += report.ExcludedOrders;
            await writer.WaitForWritesAsync(20, _ct);
        }

        await writer.StopAsync();
        // Writes went on during every run, so orders changed after some snapshot reached ClickHouse before it was read:
        // the part of the comparison that keeps lag from showing as a difference did run.
        Assert.True(excluded > 0, "no run left out an order changed after its snapshot: the writes did not overlap the comparison");
    }

    [Fact]
    public async Task Reconciliation_reports_exactly_the_buckets_of_a_missing_and_an_extra_order()
    {
        var reconciliation = new ReconciliationClient(fixture.App.CreateHttpClient("analytics-api"));
        using var clickHouse = await fixture.ClickHouseWriterAsync();
        // Orders of a month no other test writes, in both stores (as a backfill would put them): the range below is theirs alone.
        var seeded = await new OldOrders(await fixture.PostgresAsync(), clickHouse).SeedAsync(
            60, seed: 1401, monthsAgo: [30], regions: ["rc-north", "rc-south"], currencies: ["EUR", "SEK"], _ct, statuses: ["paid", "new"]);
        var month = new DateTime(seeded[0].CreatedAt.Year, seeded[0].CreatedAt.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        var (from, to) = (month, month.AddMonths(1).AddDays(-1));

        var before = await reconciliation.RunAsync(_ct, from, to);
        Assert.True(before.Differences.Count == 0, before.Raw);
        Assert.True(before.Buckets > 1, before.Raw);

        // One order lost in ClickHouse, and one ClickHouse has that PostgreSQL never had (in a bucket of its own).
        var missing = seeded.First(o => o.Status == "paid");
        var extra = new OldOrders.Order(Guid.CreateVersion7(month.AddDays(3)), "C-extra", "rc-extra", "EUR", "paid", 42.50m, month.AddDays(3).AddHours(5));
        await ExecuteAsync(clickHouse, $"ALTER TABLE {OrdersTable.Name} DELETE WHERE order_id = {{id:UUID}} SETTINGS mutations_sync = 2", missing.Id);
        await InsertAsync(clickHouse, extra, version: 1, deleted: false);
        try
        {
            var after = await reconciliation.RunAsync(_ct, from, to);

            var day = DateOnly.FromDateTime(missing.CreatedAt).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var inBucket = seeded.Where(o => DateOnly.FromDateTime(o.CreatedAt).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) == day
                && o.Region == missing.Region && o.Currency == missing.Currency).ToList();
            var oltp = (Orders: (long)inBucket.Count, Revenue: inBucket.Where(o => o.Status == "paid").Sum(o => o.Total));
            var expected = new[]
            {
                new ReconciliationClient.Bucket(day, missing.Region, missing.Currency, oltp.Orders, oltp.Revenue, oltp.Orders - 1, oltp.Revenue - missing.Total),
                new ReconciliationClient.Bucket(extra.CreatedAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), "rc-extra", "EUR", 0, 0, 1, 42.50m),
            }.OrderBy(b => b.Day, StringComparer.Ordinal).ThenBy(b => b.Region, StringComparer.Ordinal);
            Assert.Equal(expected, after.Differences);
        }
        finally
        {
            // Both stores equal again for the tests after this one: the lost order back, the extra one deleted.
            await InsertAsync(clickHouse, missing, version: 1, deleted: false);
            await InsertAsync(clickHouse, extra, version: 2, deleted: true);
        }

        var repaired = await reconciliation.RunAsync(_ct, from, to);
        Assert.True(repaired.Differences.Count == 0, repaired.Raw);
    }

    private async Task ExecuteAsync(ClickHouse.Driver.ClickHouseClient client, string sql, Guid id)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("id", id);
        await client.ExecuteNonQueryAsync(sql, parameters, cancellationToken: _ct);
    }

    private Task<long> InsertAsync(ClickHouse.Driver.ClickHouseClient client, OldOrders.Order o, uint version, bool deleted) =>
        client.InsertBinaryAsync(OrdersTable.Name, OrdersTable.InsertColumns, [new object[]
        {
            Guid.NewGuid(), (byte)(deleted ? 1 : 0), o.Id, version, 1UL, o.CreatedAt, o.CustomerId, o.Region, o.Currency, o.Status, o.Total, o.CreatedAt, (ushort)0,
        }], cancellationToken: _ct);
}
