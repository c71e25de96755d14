using Aspire.Hosting.Testing;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using PolyglotAspire.Analytics;
using PolyglotAspire.Analytics.Partitions;
using PolyglotAspire.Analytics.Queries;
using PolyglotAspire.AppHost.Infrastructure;
using PolyglotAspire.Contracts.Analytics;
using PolyglotAspire.IntegrationTests.Infrastructure;

namespace PolyglotAspire.IntegrationTests.Analytics;

/// <summary>
/// Analytics.Api's store, in-process on the app's ClickHouse as the API's read-only user: kept partition results (and
/// top customers kept over all partitions at once) are extended by the orders of newer blocks only (two small queries)
/// instead of being computed again, and every answer
/// equals the same store with nothing kept. The SQL's claims are the engine's to prove: <c>FINAL</c> over the parts up
/// to a block is the table as of that block, and the changed-orders filter keeps all of an order's versions.
/// Merges are held off while old partitions change (so the kept blocks stay readable apart: the extension path is
/// taken, not left to chance), then forced across them (so the path that computes whole again is taken too).
/// </summary>
[Collection(nameof(AppTestGroup))]
public sealed class PartitionExtensionTests(AppFixture fixture)
{
    private const string Currency = "NOK"; // this test's own: its answers are exactly its orders
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Kept_partitions_extended_by_updates_deletes_and_redeliveries_answer_exactly_what_a_full_query_does()
    {
        using var admin = new ClickHouseClient(await fixture.ConnectionStringAsync(ClickHouseAccess.AdminName));
        using var writer = new ClickHouseClient(await fixture.ConnectionStringAsync(ClickHouseAccess.WriterName));
        using var reader = new ClickHouseClient(new ClickHouseClientSettings(await fixture.ConnectionStringAsync(ClickHouseAccess.ReaderName))
        {
            JsonReadMode = JsonReadMode.None,
            JsonWriteMode = JsonWriteMode.None,
        });
        // Always extended: this test's partitions are too small for the default rule to choose it.
        var always = Options.Create(new AnalyticsOptions { ExtendKeptPartitions = PartitionExtension.Always });
        var none = Options.Create(new AnalyticsOptions { PartitionCacheMaxEntries = 0, RangeCacheMaxGroups = 0 });
        var parts = new PartsSnapshotReader(reader);
        var (cache, ranges) = (new PartitionResultCache(always), new RangeAggregator(parts, always));
        var kept = new ClickHouseAnalyticsStore(reader, new PartitionedAggregator(parts, cache), ranges);
        var full = new ClickHouseAnalyticsStore(reader, new PartitionedAggregator(parts, new PartitionResultCache(none)), new RangeAggregator(parts, none));
        var old = new OldOrders(await fixture.ConnectionStringAsync(EnginesExtensions.OrdersDbName), writer);
        var orders = new OrdersWriter(fixture.App.CreateHttpClient("orders-api"));
        var analytics = new AnalyticsClient(fixture.App.CreateHttpClient("analytics-api"));
        var (producer, group) = (await fixture.KafkaConfigAsync<ProducerConfig>(), await fixture.KafkaConfigAsync<ConsumerConfig>());

        var seeded = await old.SeedAsync(90, seed: 41, monthsAgo: [4, 6, 9], ["eu-west", "us-east"], [Currency], _ct, statuses: ["new", "paid"]);
        await AssertSameAsync(kept, full); // warm: every partition computed whole and kept
        var (warm, warmRanges) = (cache.Statistics, ranges.Statistics);

        await admin.ExecuteNonQueryAsync($"SYSTEM STOP MERGES {OrdersTable.Name}", cancellationToken: _ct);
        try
        {
            var random = new Random(43);
            var live = seeded.Select(o => (o.Id, o.Status)).ToList();
            for (var round = 0; round < 4; round++)
            {
                // Each round: status changes and a delete through Orders.Api, then a redelivered current version and a
                // late older one straight to Kafka — all into the old partitions.
                for (var i = 0; i < 6; i++)
                {
                    var at = random.Next(live.Count);
                    var (id, status) = live[at];
                    if (i == 5 || OrdersWriter.RandomNext(status, random) is not { } next)
                    {
                        await orders.DeleteAsync(id, _ct);
                        live.RemoveAt(at);
                    }
                    else
                    {
                        await orders.ChangeStatusAsync(id, next, _ct);
                        live[at] = (id, next);
                    }
                }

                await analytics.WaitVisibleAsync(orders.LastToken, _ct);
                await old.RedeliverAsync(producer, group, [live[random.Next(live.Count)].Id], older: false, _ct);
                await old.RedeliverAsync(producer, group, [live[random.Next(live.Count)].Id], older: true, _ct);

                await AssertSameAsync(kept, full);
            }

            var extended = cache.Statistics;
            Assert.True(extended.Extensions - warm.Extensions >= 4, $"kept partitions were extended {extended.Extensions - warm.Extensions} times");
            Assert.Equal(warm.Misses, extended.Misses); // nothing computed whole while the kept blocks stayed apart
            var extendedRanges = ranges.Statistics; // and the same for top customers, kept over all the partitions at once
            Assert.True(extendedRanges.Extensions - warmRanges.Extensions >= 4, $"the kept range was extended {extendedRanges.Extensions - warmRanges.Extensions} times");
            Assert.Equal(warmRanges.Misses, extendedRanges.Misses);
        }
        finally
        {
            await admin.ExecuteNonQueryAsync($"SYSTEM START MERGES {OrdersTable.Name}", cancellationToken: CancellationToken.None);
        }

        // A merge across the kept blocks (of the parts up to them and a newer one): those partitions are computed whole
        // again, still exact. (A merge of the parts up to a kept block only changes nothing: that result still holds.)
        var once = new RangeAggregator(parts, always); // top customers kept once here, then never used before it no longer holds
        var onceKept = new ClickHouseAnalyticsStore(reader, new PartitionedAggregator(parts, new PartitionResultCache(none)), once);
        await onceKept.TopCustomersAsync(TimeRange.All, 20, Currency, _ct);
        await orders.ChangeStatusAsync(seeded[0].Id, "cancelled", _ct);
        await orders.ChangeStatusAsync(seeded[^1].Id, "cancelled", _ct);
        await analytics.WaitVisibleAsync(orders.LastToken, _ct);
        await admin.ExecuteNonQueryAsync($"OPTIMIZE TABLE {OrdersTable.Name} FINAL", cancellationToken: _ct);
        var (before, beforeRanges) = (cache.Statistics.Misses, ranges.Statistics.Misses);
        await AssertSameAsync(kept, full);
        Assert.True(cache.Statistics.Misses > before, "no partition was computed whole after the merge across the kept blocks");
        Assert.True(ranges.Statistics.Misses > beforeRanges, "the kept range was not computed again after the merge across its blocks");
        // Kept for nothing: the next answer asks ClickHouse for the largest 20 only, and is the same.
        Assert.Equal(await full.TopCustomersAsync(TimeRange.All, 20, Currency, _ct), await onceKept.TopCustomersAsync(TimeRange.All, 20, Currency, _ct));
        Assert.Equal(1, once.Statistics.Direct);
    }

    /// <summary>This test's currency, all time: revenue by month and by region, the status totals and the top customers.</summary>
    private async Task AssertSameAsync(ClickHouseAnalyticsStore kept, ClickHouseAnalyticsStore full)
    {
        Assert.Equal(await full.RevenueAsync(GroupBy.Month, TimeRange.All, null, Currency, _ct), await kept.RevenueAsync(GroupBy.Month, TimeRange.All, null, Currency, _ct));
        Assert.Equal(await full.RevenueAsync(GroupBy.Region, TimeRange.All, null, Currency, _ct), await kept.RevenueAsync(GroupBy.Region, TimeRange.All, null, Currency, _ct));
        Assert.Equal(await full.ByStatusAsync(TimeRange.All, Currency, _ct), await kept.ByStatusAsync(TimeRange.All, Currency, _ct));
        Assert.Equal(await full.TopCustomersAsync(TimeRange.All, 20, Currency, _ct), await kept.TopCustomersAsync(TimeRange.All, 20, Currency, _ct));
        Assert.NotEmpty(await kept.RevenueAsync(GroupBy.Month, TimeRange.All, null, Currency, _ct));
        Assert.Equal(20, (await kept.TopCustomersAsync(TimeRange.All, 20, Currency, _ct)).Count);
    }
}
