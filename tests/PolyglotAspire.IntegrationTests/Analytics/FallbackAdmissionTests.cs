using System.Net;
using System.Text.Json;
using Aspire.Hosting.Testing;
using Npgsql;
using PolyglotAspire.AppHost.Infrastructure;
using PolyglotAspire.IntegrationTests.Infrastructure;

namespace PolyglotAspire.IntegrationTests.Analytics;

/// <summary>
/// The PostgreSQL fallback cannot be turned into a noisy neighbour of the write path (issue 13 item 10): it admits a
/// bounded number of queries (Analytics:FallbackMaxConcurrency, 4), a bounded queue, refuses the rest with 503 and
/// Retry-After, and cuts off a question that runs too long (statement_timeout, 5 s).
/// </summary>
[Collection(nameof(AppTestGroup))]
public sealed class FallbackAdmissionTests(AppFixture fixture)
{
    private const int Cap = 4;
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Clients_hammering_the_fallback_get_at_most_the_cap_on_PostgreSQL_the_rest_503_with_Retry_After_and_stuck_questions_time_out()
    {
        var connectionString = await fixture.ConnectionStringAsync(EnginesExtensions.OrdersDbName);
        await using var locker = new NpgsqlConnection(connectionString);
        await locker.OpenAsync(_ct);

        // A token no watermark reaches during the test: every session read waits (2 s), then falls back to PostgreSQL.
        string future;
        await using (var lsn = new NpgsqlCommand("SELECT (pg_current_wal_lsn() + 100000000)::text", locker))
        {
            future = (string)(await lsn.ExecuteScalarAsync(_ct))!;
        }

        // Every fallback query then waits inside PostgreSQL on this lock: how many are let in shows, and none can finish.
        await using var transaction = await locker.BeginTransactionAsync(_ct);
        await using (var lockOrders = new NpgsqlCommand("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE", locker, transaction))
        {
            await lockOrders.ExecuteNonQueryAsync(_ct);
        }

        using var http = fixture.App.CreateHttpClient("analytics-api");
        http.Timeout = TimeSpan.FromSeconds(60);
        var requests = Enumerable.Range(0, 30).Select(async _ =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/analytics/summary?consistency=session");
            request.Headers.Add("X-Consistency-Token", future);
            using var response = await http.SendAsync(request, _ct);
            var body = await response.Content.ReadAsStringAsync(_ct);
            var title = response.Content.Headers.ContentType?.MediaType == "application/problem+json"
                ? JsonDocument.Parse(body).RootElement.GetProperty("title").GetString()
                : body;
            return (response.StatusCode, RetryAfter: response.Headers.RetryAfter?.Delta, Title: title);
        }).ToList();

        var mostInside = 0;
        await using (var observer = new NpgsqlConnection(connectionString))
        {
            await observer.OpenAsync(_ct);
            await using var inside = new NpgsqlCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'analytics-api (read-only)' AND wait_event_type = 'Lock'", observer);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(40);
            while (requests.Any(r => !r.IsCompleted) && DateTime.UtcNow < deadline)
            {
                mostInside = Math.Max(mostInside, (int)(long)(await inside.ExecuteScalarAsync(_ct))!);
                await Task.Delay(50, _ct);
            }
        }

        var stillWaiting = requests.Count(r => !r.IsCompleted);
        await transaction.RollbackAsync(_ct);
        var answers = await Task.WhenAll(requests);

        Assert.True(stillWaiting == 0, $"{stillWaiting} reads still waited after 40 s: fallback queries are not cut off");
        Assert.InRange(mostInside, 1, Cap);
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.ServiceUnavailable, a.StatusCode)); // none could read orders
        var refused = answers.Where(a => a.Title == "PostgreSQL fallback saturated").ToList();
        Assert.True(refused.Count >= answers.Length - Cap - 16, $"only {refused.Count} refused: {string.Join("; ", answers.Select(a => a.Title))}");
        Assert.All(refused, a => Assert.NotNull(a.RetryAfter));
        Assert.Contains(answers, a => a.Title == "PostgreSQL fallback timed out");
    }
}
