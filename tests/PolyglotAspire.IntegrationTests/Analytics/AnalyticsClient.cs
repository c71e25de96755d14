using System.Net.Http.Json;
using System.Text.Json;
using PolyglotAspire.Contracts;

namespace PolyglotAspire.IntegrationTests.Analytics;

/// <summary>Reads Analytics.Api and checks every answer carries its freshness in the body and the headers.</summary>
internal sealed class AnalyticsClient(HttpClient analytics)
{
    public sealed record Answer(JsonElement Data, DateTimeOffset? AsOf, long? LagMs, string Source, string Consistency);

    public async Task<Answer> GetAsync(string pathAndQuery, CancellationToken ct, ConsistencyToken? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, pathAndQuery);
        if (token is { } t)
        {
            request.Headers.Add("X-Consistency-Token", t.ToString());
        }

        using var response = await analytics.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.IsSuccessStatusCode, $"GET {pathAndQuery} answered {(int)response.StatusCode}: {text}");
        var body = JsonDocument.Parse(text).RootElement.Clone();

        var answer = new Answer(
            body.GetProperty("data"),
            body.GetProperty("asOf").ValueKind == JsonValueKind.Null ? null : body.GetProperty("asOf").GetDateTimeOffset(),
            body.GetProperty("lagMs").ValueKind == JsonValueKind.Null ? null : body.GetProperty("lagMs").GetInt64(),
            body.GetProperty("source").GetString()!,
            body.GetProperty("consistency").GetString()!);
        Assert.Equal(answer.Source, response.Headers.GetValues("X-Data-Source").Single());
        Assert.Equal(answer.Consistency, response.Headers.GetValues("X-Consistency").Single());
        if (answer.LagMs is { } lag)
        {
            Assert.Equal(lag.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Headers.GetValues("X-Data-Lag-Ms").Single());
        }

        return answer;
    }

    public async Task<JsonElement> FreshnessAsync(CancellationToken ct, ConsistencyToken? token = null, int waitMs = 0)
    {
        var query = token is { } t ? $"?token={Uri.EscapeDataString(t.ToString())}&waitMs={waitMs}" : "";
        return await analytics.GetFromJsonAsync<JsonElement>($"/api/analytics/freshness{query}", ct);
    }

    /// <summary>Waits until every write up to <paramref name="token"/> is visible in ClickHouse.</summary>
    public async Task WaitVisibleAsync(ConsistencyToken token, CancellationToken ct)
    {
        var freshness = await FreshnessAsync(ct, token, waitMs: 30_000);
        Assert.True(freshness.GetProperty("tokenVisible").GetBoolean(),
            $"ClickHouse did not reach {token} within 30 s (watermark {freshness.GetProperty("watermark").GetString()})");
    }
}
