using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
using PolyglotAspire.AppHost.Infrastructure;
using PolyglotAspire.Contracts;
using PolyglotAspire.IntegrationTests.Infrastructure;

namespace PolyglotAspire.IntegrationTests.Analytics;

/// <summary>
/// Analytics.Api over the real write path (Orders.Api → PostgreSQL → relay → Kafka → worker → ClickHouse):
/// exact answers, freshness that tells the truth, and consistency routing that never answers stale.
/// Tests of one collection run one after another, so PostgreSQL holds exactly what these tests wrote or
/// what the pipeline will deliver.
/// </summary>
[Collection(nameof(AppTestGroup))]
public sealed class AnalyticsTests(AppFixture fixture)
{
    private static readonly string[] Regions = ["eu-west", "eu-north", "us-east", "ap-south"];
    private static readonly string[] Currencies = ["EUR", "USD", "GBP"];
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_endpoint_equals_PostgreSQL_after_creates_updates_and_deletes()
    {
        var writer = new OrdersWriter(fixture.App.CreateHttpClient("orders-api"));
        var analytics = new AnalyticsClient(fixture.App.CreateHttpClient("analytics-api"));
        await RandomWorkloadAsync(writer, orders: 120, seed: 7);
        await analytics.WaitVisibleAsync(writer.LastToken, _ct);

        await AnswersEqualPostgres.AssertAsync(analytics, new ExpectedFromPostgres(await fixture.ConnectionStringAsync(EnginesExtensions.OrdersDbName)), _ct);
    }

    [Fact]
    public async Task Session_reads_always_see_the_callers_own_write_under_concurrent_load()
    {
        var analytics = new AnalyticsClient(fixture.App.CreateHttpClient("analytics-api"));
        var writers = Enumerable.Range(0, 6).Select(i => (Writer: new OrdersWriter(fixture.App.CreateHttpClient("orders-api")), Region: $"session-{i}-{Guid.NewGuid():N}"[..20]));

        var sources = await Task.WhenAll(writers.Select(async w =>
        {
            var seen = new List<string>();
            for (var n = 1; n <= 8; n++)
            {
                var (_, token) = await w.Writer.CreateAsync($"C-{w.Region}", w.Region, 10m, 1, _ct);
                var answer = await analytics.GetAsync($"/api/analytics/revenue?groupBy=region&region={w.Region}&consistency=session", _ct, token);
                var row = Assert.Single(answer.Data.EnumerateArray());
                Assert.Equal(n, row.GetProperty("orders").GetInt64()); // this caller's writes so far, never fewer
                Assert.Equal("session", answer.Consistency);
                seen.Add(answer.Source);
            }

            return seen;
        }));

        // Every answer counted the caller's writes (above). Where they came from is asserted too, or the test would pass
        // with every read falling back to PostgreSQL (a watermark that never passes a token): most must come from
        // ClickHouse within the wait (the pipeline's commit-to-visible p99 is well under the 2 s wait), the rest from
        // PostgreSQL — never anything else.
        var all = sources.SelectMany(s => s).ToList();
        Assert.All(all, s => Assert.Contains(s, new[] { "olap", "oltp" }));
        var fromClickHouse = all.Count(s => s == "olap");
        Assert.True(fromClickHouse * 2 > all.Count, $"only {fromClickHouse} of {all.Count} session reads were answered by ClickHouse");
    }

    [Fact]
    public async Task Bounded_reads_go_to_PostgreSQL_while_the_worker_is_stopped_and_back_after()
    {
        var writer = new OrdersWriter(fixture.App.CreateHttpClient("orders-api"));
        var analytics = new AnalyticsClient(fixture.App.CreateHttpClient("analytics-api"));
        var region = $"bounded-{Guid.NewGuid():N}"[..20];
        await writer.CreateAsync("C-bounded", region, 5m, 2, _ct);
        await analytics.WaitVisibleAsync(writer.LastToken, _ct);

        ConsistencyToken token = default;
        await fixture.WhileStoppedAsync("sync-worker", async () =>
        {
            // A strong write while analytics cannot catch up: committed, and the answer says it is not yet visible.
            using var orders = fixture.App.CreateHttpClient("orders-api");
            using var strong = await PostStrongAsync(orders, "/api/orders", Order("C-bounded", region, 7m), "consistency=strong, wait=1");
            Assert.Equal(System.Net.HttpStatusCode.Created, strong.StatusCode);
            Assert.Equal("false", strong.Headers.GetValues("X-Analytics-Visible").Single());
            Assert.False(strong.Headers.Contains("Preference-Applied"));
            Assert.True(ConsistencyToken.TryParse(strong.Headers.GetValues("X-Consistency-Token").Single(), out token));
            // The lag grows past the bound: the answer comes from PostgreSQL and includes the new order.
            JsonElement row = default;
            AnalyticsClient.Answer answer;
            do
            {
                answer = await analytics.GetAsync($"/api/analytics/revenue?region={region}&consistency=bounded&maxStalenessMs=300", _ct);
                row = Assert.Single(answer.Data.EnumerateArray());
            }
            while (answer.Source == "olap" && !_ct.IsCancellationRequested);

            Assert.Equal("oltp", answer.Source);
            Assert.Equal(0, answer.LagMs);
            Assert.Equal(2, row.GetProperty("orders").GetInt64());

            // A session read past the wait bound is also answered by PostgreSQL: never stale.
            var session = await analytics.GetAsync($"/api/analytics/revenue?region={region}&consistency=session", _ct, token);
            Assert.Equal("oltp", session.Source);
            Assert.Equal(2, Assert.Single(session.Data.EnumerateArray()).GetProperty("orders").GetInt64());
        }, _ct);

        await analytics.WaitVisibleAsync(token, _ct);
        var recovered = await analytics.GetAsync($"/api/analytics/revenue?region={region}&consistency=bounded&maxStalenessMs=60000", _ct);
        Assert.Equal("olap", recovered.Source);
        Assert.Equal(2, Assert.Single(recovered.Data.EnumerateArray()).GetProperty("orders").GetInt64());
    }

    [Fact]
    public async Task A_watermark_ahead_of_PostgreSQL_or_of_another_PostgreSQL_is_not_trusted_and_freshness_says_why()
    {
        var writer = new OrdersWriter(fixture.App.CreateHttpClient("orders-api"));
        var analytics = new AnalyticsClient(fixture.App.CreateHttpClient("analytics-api"));
        using var clickHouse = new ClickHouse.Driver.ClickHouseClient(await fixture.ConnectionStringAsync(ClickHouseAccess.WriterName));
        var region = $"distrust-{Guid.NewGuid():N}"[..20];
        await writer.CreateAsync("C-distrust", region, 5m, 1, _ct);
        await analytics.WaitVisibleAsync(writer.LastToken, _ct);
        Assert.Equal(JsonValueKind.Null, (await analytics.FreshnessAsync(_ct)).GetProperty("untrusted").ValueKind);

        // Behind the app's back, worker stopped (nothing overwrites it): every partition's row replaced, then restored.
        var saved = $"sync_state_saved_{Guid.NewGuid():N}";
        await fixture.WhileStoppedAsync("sync-worker", async () =>
        {
            await clickHouse.ExecuteNonQueryAsync($"CREATE TABLE {saved} ENGINE = MergeTree ORDER BY tuple() AS SELECT * FROM sync_state FINAL", cancellationToken: _ct);
            try
            {
                // 1. A watermark far ahead of the source's WAL (a bogus heartbeat, a restored PostgreSQL).
                await ReplaceWatermarksAsync(clickHouse, saved, lsn: "18446744069414584320", systemId: "source_system_id");
                using var orders = fixture.App.CreateHttpClient("orders-api");
                using (var strong = await PostStrongAsync(orders, "/api/orders", Order("C-distrust", region, 7m), "consistency=strong, wait=1"))
                {
                    Assert.Equal(System.Net.HttpStatusCode.Created, strong.StatusCode);
                    Assert.Equal("false", strong.Headers.GetValues("X-Analytics-Visible").Single());
                    Assert.True(ConsistencyToken.TryParse(strong.Headers.GetValues("X-Consistency-Token").Single(), out var token));
                    var session = await analytics.GetAsync($"/api/analytics/revenue?region={region}&consistency=session", _ct, token);
                    Assert.Equal("oltp", session.Source);
                    Assert.Equal(2, Assert.Single(session.Data.EnumerateArray()).GetProperty("orders").GetInt64());
                }

                var ahead = await FreshnessUntilAsync(analytics, writer.LastToken, "ahead of PostgreSQL's current WAL position");
                Assert.False(ahead.GetProperty("tokenVisible").GetBoolean());
                Assert.Null(ahead.GetProperty("asOf").GetString());

                // 2. A watermark the source has reached, but from another PostgreSQL (wiped, replaced, failed over).
                var (_, token2) = await writer.CreateAsync("C-distrust", region, 9m, 1, _ct);
                await ReplaceWatermarksAsync(clickHouse, saved, lsn: token2.Lsn.ToString(System.Globalization.CultureInfo.InvariantCulture), systemId: "source_system_id + 1");
                var other = await FreshnessUntilAsync(analytics, token2, "belongs to another PostgreSQL");
                Assert.False(other.GetProperty("tokenVisible").GetBoolean());
                var session2 = await analytics.GetAsync($"/api/analytics/revenue?region={region}&consistency=session", _ct, token2);
                Assert.Equal(("oltp", 3L), (session2.Source, Assert.Single(session2.Data.EnumerateArray()).GetProperty("orders").GetInt64()));
            }
            finally
            {
                await clickHouse.ExecuteNonQueryAsync(
                    $"INSERT INTO sync_state SELECT topic, partition, next_offset, lsn, as_of, now64(3), source_system_id, source_timeline FROM {saved}", cancellationToken: _ct);
                await clickHouse.ExecuteNonQueryAsync($"DROP TABLE {saved}", cancellationToken: _ct);
            }
        }, _ct);

        await analytics.WaitVisibleAsync(writer.LastToken, _ct);
        Assert.Equal(JsonValueKind.Null, (await analytics.FreshnessAsync(_ct)).GetProperty("untrusted").ValueKind);
    }

    /// <summary>
    /// /freshness for <paramref name="token"/> once its <c>untrusted</c> reason says <paramref name="why"/>: the answer
    /// before may still come from an observation shared with earlier requests (at most a few ms old), so poll, bounded.
    /// </summary>
    private async Task<JsonElement> FreshnessUntilAsync(AnalyticsClient analytics, ConsistencyToken token, string why)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        JsonElement freshness;
        while (!((freshness = await analytics.FreshnessAsync(_ct, token)).GetProperty("untrusted").GetString() ?? "").Contains(why, StringComparison.Ordinal)
            && DateTime.UtcNow < until)
        {
            await Task.Delay(50, _ct);
        }

        Assert.Contains(why, freshness.GetProperty("untrusted").GetString(), StringComparison.Ordinal);
        return freshness;
    }

    /// <summary>Every partition's row as saved, with another LSN and source system identifier (SQL expressions), written now.</summary>
    private async Task ReplaceWatermarksAsync(ClickHouse.Driver.ClickHouseClient clickHouse, string saved, string lsn, string systemId) =>
        await clickHouse.ExecuteNonQueryAsync(
            $"INSERT INTO sync_state SELECT topic, partition, next_offset, {lsn}, as_of, now64(3), {systemId}, source_timeline FROM {saved}", cancellationToken: _ct);

    [Fact]
    public async Task A_strong_write_returns_once_analytics_shows_it()
    {
        using var orders = fixture.App.CreateHttpClient("orders-api");
        var analytics = new AnalyticsClient(fixture.App.CreateHttpClient("analytics-api"));
        var region = $"strong-{Guid.NewGuid():N}"[..20];

        using var created = await PostStrongAsync(orders, "/api/orders", Order("C-strong", region, 12.5m), "consistency=strong");
        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("consistency=strong", created.Headers.GetValues("Preference-Applied").Single());
        Assert.Equal("true", created.Headers.GetValues("X-Analytics-Visible").Single());
        Assert.Contains("Prefer", created.Headers.Vary);

        // No token, no wait: an eventual read right after the strong write already includes it.
        var eventual = await analytics.GetAsync($"/api/analytics/revenue?groupBy=status&region={region}", _ct);
        Assert.Equal("olap", eventual.Source);
        Assert.Equal("new", Assert.Single(eventual.Data.EnumerateArray()).GetProperty("key").GetString());

        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(_ct)).GetProperty("id").GetGuid();
        using var paid = await PostStrongAsync(orders, $"/api/orders/{id}/status", new { status = "paid" }, "consistency=strong");
        Assert.Equal("true", paid.Headers.GetValues("X-Analytics-Visible").Single());
        var after = await analytics.GetAsync($"/api/analytics/revenue?groupBy=status&region={region}", _ct);
        var row = Assert.Single(after.Data.EnumerateArray());
        Assert.Equal(("paid", 12.5m), (row.GetProperty("key").GetString(), row.GetProperty("revenue").GetDecimal()));

        // A write without the preference is not held back and says nothing about analytics.
        using var plain = await orders.PostAsJsonAsync("/api/orders", Order("C-strong", region, 1m), _ct);
        Assert.Equal(System.Net.HttpStatusCode.Created, plain.StatusCode);
        Assert.False(plain.Headers.Contains("X-Analytics-Visible"));
    }

    private static object Order(string customerId, string region, decimal unitPrice) => new
    {
        customerId,
        region,
        currency = "EUR",
        lines = new[] { new { sku = "SKU-1", quantity = 1, unitPrice } },
    };

    private async Task<HttpResponseMessage> PostStrongAsync(HttpClient orders, string path, object body, string prefer)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.TryAddWithoutValidation("Prefer", prefer);
        return await orders.SendAsync(request, _ct);
    }

    [Fact]
    public async Task Freshness_is_monotonic_and_a_watermark_past_a_token_means_the_write_is_visible()
    {
        var writer = new OrdersWriter(fixture.App.CreateHttpClient("orders-api"));
        var analytics = new AnalyticsClient(fixture.App.CreateHttpClient("analytics-api"));
        var clickHouse = new ClickHouse.Driver.ClickHouseClient(await fixture.ConnectionStringAsync(ClickHouseAccess.WriterName));

        DateTimeOffset lastAsOf = default;
        ConsistencyToken lastWatermark = default;
        for (var i = 0; i < 15; i++)
        {
            var (id, token) = await writer.CreateAsync("C-fresh", "eu-west", 1m, 1, _ct);
            var freshness = await analytics.FreshnessAsync(_ct, token, waitMs: 30_000);
            Assert.True(freshness.GetProperty("tokenVisible").GetBoolean());

            var watermark = ParseToken(freshness.GetProperty("watermark").GetString());
            var asOf = freshness.GetProperty("asOf").GetDateTimeOffset();
            Assert.True(watermark >= token, $"watermark {watermark} < token {token}");
            Assert.True(watermark >= lastWatermark && asOf >= lastAsOf, "freshness went backwards");
            (lastWatermark, lastAsOf) = (watermark, asOf);

            // Truthful: what the watermark promises is really there.
            var parameters = new ClickHouse.Driver.ADO.Parameters.ClickHouseParameterCollection();
            ClickHouse.Driver.Utility.ClickHouseParameterCollectionExtensions.AddParameter(parameters, "id", id);
            var count = await clickHouse.ExecuteScalarAsync("SELECT count() FROM orders FINAL WHERE order_id = {id:UUID}", parameters, cancellationToken: _ct);
            Assert.Equal(1UL, Convert.ToUInt64(count, System.Globalization.CultureInfo.InvariantCulture));
        }

        // Idle and caught up: no lag, even though the last change is old. The last write's own event proves only the
        // time before its commit (contracts.md §2); the relay's next heartbeat (every 500 ms) proves the commit itself.
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        JsonElement idle;
        while (!(idle = await analytics.FreshnessAsync(_ct)).GetProperty("caughtUp").GetBoolean() && DateTime.UtcNow < until)
        {
            await Task.Delay(50, _ct);
        }

        Assert.True(idle.GetProperty("caughtUp").GetBoolean(), idle.ToString());
        Assert.Equal(0, idle.GetProperty("lagMs").GetInt64());
    }

    private async Task RandomWorkloadAsync(OrdersWriter writer, int orders, int seed)
    {
        var random = new Random(seed);
        var created = new List<(Guid Id, string Status)>();
        for (var i = 0; i < orders; i++)
        {
            var (id, _) = await writer.CreateAsync($"C-{random.Next(40):D3}", Regions[random.Next(Regions.Length)],
                decimal.Round((decimal)(random.NextDouble() * 200), 2), random.Next(1, 5), _ct, Currencies[random.Next(Currencies.Length)]);
            created.Add((id, "new"));
        }

        for (var step = 0; step < orders * 2; step++)
        {
            var i = random.Next(created.Count);
            var (id, status) = created[i];
            if (random.Next(12) == 0)
            {
                await writer.DeleteAsync(id, _ct);
                created.RemoveAt(i);
            }
            else if (OrdersWriter.RandomNext(status, random) is { } next)
            {
                await writer.ChangeStatusAsync(id, next, _ct);
                created[i] = (id, next);
            }
        }
    }

    private static ConsistencyToken ParseToken(string? text)
    {
        Assert.True(ConsistencyToken.TryParse(text, out var token), $"'{text}' is not a token");
        return token;
    }
}
