using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
using Npgsql;
using PolyglotAspire.Contracts;
using PolyglotAspire.IntegrationTests.Analytics;

namespace PolyglotAspire.IntegrationTests.Recovery;

/// <summary><c>POST /api/admin/seed</c> on Orders.Api: demo orders over past months, through the write path into analytics.</summary>
[Collection(nameof(RecoveryTestGroup))]
public sealed class SeedTests(RecoveryFixture fixture)
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Seeded_demo_orders_span_past_months_and_reach_analytics_exactly()
    {
        using var orders = fixture.App.CreateHttpClient("orders-api");
        using var response = await orders.PostAsJsonAsync("/api/admin/seed", new { orders = 300, days = 120, seed = 14 }, _ct);
        var text = await response.Content.ReadAsStringAsync(_ct);
        Assert.True(response.IsSuccessStatusCode, text);
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal(300, body.GetProperty("orders").GetInt32());
        Assert.True(ConsistencyToken.TryParse(body.GetProperty("consistencyToken").GetString(), out var token), text);

        await using (var connection = new NpgsqlConnection(await fixture.PostgresAsync()))
        {
            await connection.OpenAsync(_ct);
            // The seeder's customers (C-000 … C-059), no other test's.
            await using var select = new NpgsqlCommand("""
                SELECT count(*), count(DISTINCT date_trunc('month', created_at)), count(DISTINCT status), count(DISTINCT region), count(DISTINCT currency),
                       max(created_at) < now(), max(updated_at) < now()
                FROM orders WHERE customer_id ~ '^C-[0-9]{3}$'
                """, connection);
            await using var reader = await select.ExecuteReaderAsync(_ct);
            Assert.True(await reader.ReadAsync(_ct));
            Assert.Equal(300, reader.GetInt64(0));
            Assert.True(reader.GetInt64(1) >= 4, $"{reader.GetInt64(1)} months");
            Assert.Equal(5, reader.GetInt64(2)); // new, paid, shipped, delivered, cancelled
            Assert.True(reader.GetInt64(3) > 1 && reader.GetInt64(4) > 1);
            Assert.True(reader.GetBoolean(5) && reader.GetBoolean(6), "every time is in the past");
        }

        var analytics = new AnalyticsClient(fixture.App.CreateHttpClient("analytics-api"));
        await analytics.WaitVisibleAsync(token, _ct);
        var report = await new ReconciliationClient(fixture.App.CreateHttpClient("analytics-api")).RunAsync(_ct);
        Assert.True(report.Differences.Count == 0, report.Raw);
        await AnswersEqualPostgres.AssertAsync(analytics, new ExpectedFromPostgres(await fixture.PostgresAsync()), _ct);
    }
}
