using System.Net.Http.Json;
using System.Text.Json;
using PolyglotAspire.Contracts;

namespace PolyglotAspire.IntegrationTests.Analytics;

/// <summary>Writes orders through Orders.Api, the real write path, and keeps what it wrote and the last token.</summary>
internal sealed class OrdersWriter(HttpClient orders)
{
    public static readonly string[] Statuses = ["new", "paid", "shipped", "delivered", "cancelled"];

    private static readonly Dictionary<string, string[]> Next = new()
    {
        ["new"] = ["paid", "cancelled"],
        ["paid"] = ["shipped", "cancelled"],
        ["shipped"] = ["delivered"],
    };

    public ConsistencyToken LastToken { get; private set; }

    public async Task<(Guid Id, ConsistencyToken Token)> CreateAsync(
        string customerId, string region, decimal unitPrice, int quantity, CancellationToken ct, string currency = "EUR")
    {
        using var response = await orders.PostAsJsonAsync("/api/orders", new
        {
            customerId,
            region,
            currency,
            lines = new[] { new { sku = "SKU-1", quantity, unitPrice } },
        }, ct);
        var body = await ReadAsync(response, ct);
        return (body.GetProperty("id").GetGuid(), Remember(body));
    }

    public async Task<ConsistencyToken> ChangeStatusAsync(Guid id, string status, CancellationToken ct)
    {
        using var response = await orders.PostAsJsonAsync($"/api/orders/{id}/status", new { status }, ct);
        return Remember(await ReadAsync(response, ct));
    }

    public async Task<ConsistencyToken> DeleteAsync(Guid id, CancellationToken ct)
    {
        using var response = await orders.DeleteAsync(new Uri($"/api/orders/{id}", UriKind.Relative), ct);
        Assert.True(response.IsSuccessStatusCode, $"DELETE answered {(int)response.StatusCode}");
        var token = response.Headers.TryGetValues("X-Consistency-Token", out var values) ? values.Single() : null;
        if (token is null && response.Content.Headers.ContentLength > 0)
        {
            token = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("consistencyToken").GetString();
        }

        Assert.True(ConsistencyToken.TryParse(token, out var parsed), "a delete returns a consistency token");
        return Advance(parsed);
    }

    /// <summary>A random walk of the allowed transitions from <paramref name="status"/>, or null at the end.</summary>
    public static string? RandomNext(string status, Random random) =>
        Next.TryGetValue(status, out var next) ? next[random.Next(next.Length)] : null;

    private ConsistencyToken Remember(JsonElement body)
    {
        Assert.True(ConsistencyToken.TryParse(body.GetProperty("consistencyToken").GetString(), out var token));
        return Advance(token);
    }

    private ConsistencyToken Advance(ConsistencyToken token)
    {
        lock (this)
        {
            if (token > LastToken)
            {
                LastToken = token;
            }
        }

        return token;
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.IsSuccessStatusCode, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
