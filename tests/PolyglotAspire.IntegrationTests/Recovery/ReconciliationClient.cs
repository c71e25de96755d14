using System.Net;
using System.Text.Json;

namespace PolyglotAspire.IntegrationTests.Recovery;

/// <summary>Runs <c>GET /api/analytics/reconciliation</c> and reads its answer.</summary>
internal sealed class ReconciliationClient(HttpClient analytics)
{
    public sealed record Bucket(string Day, string Region, string Currency, long OltpOrders, decimal OltpRevenue, long OlapOrders, decimal OlapRevenue);

    public sealed record Report(string SnapshotLsn, string Watermark, int Buckets, int ExcludedOrders, IReadOnlyList<Bucket> Differences, string Raw);

    public async Task<Report> RunAsync(CancellationToken ct, DateTime? from = null, DateTime? to = null)
    {
        var query = from is { } f && to is { } t ? $"?from={f:yyyy-MM-dd}&to={t:yyyy-MM-dd}" : "";
        using var response = await analytics.GetAsync(new Uri($"/api/analytics/reconciliation{query}", UriKind.Relative), ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"reconciliation answered {(int)response.StatusCode}: {text}");
        var body = JsonDocument.Parse(text).RootElement;
        Assert.NotEqual(JsonValueKind.Null, body.GetProperty("asOf").ValueKind);
        var differences = body.GetProperty("differences").EnumerateArray().Select(d => new Bucket(
            d.GetProperty("day").GetString()!, d.GetProperty("region").GetString()!, d.GetProperty("currency").GetString()!,
            d.GetProperty("oltp").GetProperty("orders").GetInt64(), d.GetProperty("oltp").GetProperty("revenue").GetDecimal(),
            d.GetProperty("olap").GetProperty("orders").GetInt64(), d.GetProperty("olap").GetProperty("revenue").GetDecimal())).ToList();
        return new Report(body.GetProperty("snapshotLsn").GetString()!, body.GetProperty("watermark").GetString()!,
            body.GetProperty("buckets").GetInt32(), body.GetProperty("excludedOrders").GetInt32(), differences, text);
    }
}
