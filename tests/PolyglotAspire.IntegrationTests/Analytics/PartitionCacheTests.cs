using Aspire.Hosting.Testing;
using Confluent.Kafka;
using PolyglotAspire.AppHost.Infrastructure;
using PolyglotAspire.IntegrationTests.Infrastructure;

namespace PolyglotAspire.IntegrationTests.Analytics;

/// <summary>
/// Analytics.Api reuses whole-partition results while a partition's parts are unchanged. These tests warm that cache,
/// then change OLD partitions — months ago, wholly inside every all-time question — through the real paths (status
/// changes and deletes through Orders.Api, redeliveries and late older versions through Kafka) and check that every
/// answer still equals PostgreSQL, and that a session read right after such a write sees it.
/// </summary>
[Collection(nameof(AppTestGroup))]
public sealed class PartitionCacheTests(AppFixture fixture)
{
    private static readonly string[] Regions = ["eu-west", "us-east", "ap-south"];
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Answers_stay_equal_to_PostgreSQL_when_old_partitions_change_after_the_cache_is_warm()
    {
        using var writerClient = new ClickHouse.Driver.ClickHouseClient(await fixture.ConnectionStringAsync(ClickHouseAccess.WriterName));
        var postgres = await fixture.ConnectionStringAsync(EnginesExtensions.OrdersDbName);
        var old = new OldOrders(postgres, writerClient);
        var orders = new OrdersWriter(fixture.App.CreateHttpClient("orders-api"));
        var analytics = new AnalyticsClient(fixture.App.CreateHttpClient("analytics-api"));
        var expected = new ExpectedFromPostgres(postgres);
        var seeded = await old.SeedAsync(240, seed: 19, monthsAgo: [2, 3, 5, 8, 11], Regions, ["EUR", "USD", "GBP", "CHF"], _ct);
        // Ranges that cut old partitions: of whole days (the cut partitions come from their cached days) — one ending
        // today, one ending on a day of old orders, which must not count — and of instants (computed over the range).
        var cutMonth = new DateTime(DateTime.UtcNow.Year, DateTime.UtcNow.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(-5);
        var endDay = seeded.Where(o => o.CreatedAt >= cutMonth.AddMonths(3).AddDays(9)).Min(o => o.CreatedAt).Date; // inside its month
        (DateTime From, DateTime To)[] ranges =
        [
            (cutMonth.AddDays(12), DateTime.UtcNow.Date.AddDays(1)), (cutMonth.AddDays(12), endDay),
            (cutMonth.AddDays(12).AddHours(7), DateTime.UtcNow.Date.AddHours(DateTime.UtcNow.Hour + 1)),
        ];

        // Warm: every question once (and already exact).
        await AnswersEqualPostgres.AssertAsync(analytics, expected, _ct);
        foreach (var (from, to) in ranges)
        {
            await AnswersEqualPostgres.AssertAsync(analytics, expected, _ct, from, to);
        }

        // Old orders change: status moves on, some are deleted.
        var random = new Random(23);
        var changed = new List<Guid>();
        foreach (var order in seeded.OrderBy(_ => random.Next()).Take(60))
        {
            if (changed.Count % 5 == 4)
            {
                await orders.DeleteAsync(order.Id, _ct);
            }
            else if (OrdersWriter.RandomNext(order.Status, random) is { } next)
            {
                await orders.ChangeStatusAsync(order.Id, next, _ct);
                changed.Add(order.Id);
                continue;
            }

            changed.Add(Guid.Empty); // deleted, or at its last status: not a candidate for redelivery
        }

        await analytics.WaitVisibleAsync(orders.LastToken, _ct);
        // Redelivered events (the current version again) and late older versions land in old partitions too.
        var moved = changed.Where(id => id != Guid.Empty).ToList();
        Assert.True(moved.Count >= 20, $"only {moved.Count} old orders changed");
        var (producer, group) = (await fixture.KafkaConfigAsync<ProducerConfig>(), await fixture.KafkaConfigAsync<ConsumerConfig>());
        await old.RedeliverAsync(producer, group, moved.Take(10).ToList(), older: false, _ct);
        await old.RedeliverAsync(producer, group, moved.Skip(10).Take(8).ToList(), older: true, _ct);

        await AnswersEqualPostgres.AssertAsync(analytics, expected, _ct);
        foreach (var (from, to) in ranges)
        {
            await AnswersEqualPostgres.AssertAsync(analytics, expected, _ct, from, to);
        }
    }

    [Fact]
    public async Task A_session_read_right_after_a_write_into_an_old_cached_partition_sees_it()
    {
        using var writerClient = new ClickHouse.Driver.ClickHouseClient(await fixture.ConnectionStringAsync(ClickHouseAccess.WriterName));
        var old = new OldOrders(await fixture.ConnectionStringAsync(EnginesExtensions.OrdersDbName), writerClient);
        var orders = new OrdersWriter(fixture.App.CreateHttpClient("orders-api"));
        var analytics = new AnalyticsClient(fixture.App.CreateHttpClient("analytics-api"));
        // A currency of this test's own: its month's row is exactly these orders.
        var seeded = await old.SeedAsync(6, seed: 29, monthsAgo: [7], Regions, ["SEK"], _ct, statuses: ["new"]);
        var month = seeded[0].CreatedAt.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        const string Question = "/api/analytics/revenue?groupBy=month&currency=SEK";

        // Warm: the month's whole-partition result is cached (asked twice: the second is served from it).
        for (var i = 0; i < 2; i++)
        {
            var warm = Assert.Single((await analytics.GetAsync(Question, _ct)).Data.EnumerateArray());
            Assert.Equal((month, 6L, 0m), (warm.GetProperty("key").GetString(), warm.GetProperty("orders").GetInt64(), warm.GetProperty("revenue").GetDecimal()));
        }

        var paid = 0m;
        var fromClickHouse = 0;
        foreach (var order in seeded)
        {
            var token = await orders.ChangeStatusAsync(order.Id, "paid", _ct);
            paid += order.Total;
            var answer = await analytics.GetAsync(Question + "&consistency=session", _ct, token);
            var row = Assert.Single(answer.Data.EnumerateArray());
            Assert.Equal((month, 6L, paid), (row.GetProperty("key").GetString(), row.GetProperty("orders").GetInt64(), row.GetProperty("revenue").GetDecimal()));
            fromClickHouse += answer.Source == "olap" ? 1 : 0;
        }

        // Most answers come from ClickHouse (the cache's path); one from PostgreSQL would only mean the wait ran out.
        Assert.True(fromClickHouse >= seeded.Count / 2, $"only {fromClickHouse} of {seeded.Count} session reads were answered by ClickHouse");
    }
}
