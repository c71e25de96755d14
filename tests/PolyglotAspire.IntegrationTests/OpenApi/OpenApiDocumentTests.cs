using System.Net;
using System.Text.Json;
using Aspire.Hosting.Testing;
using PolyglotAspire.IntegrationTests.Infrastructure;

namespace PolyglotAspire.IntegrationTests.OpenApi;

/// <summary>
/// Each API's <c>/openapi/v1.json</c>, read from the running app, tells the truth: every operation lists exactly the
/// error answers its handler can give (the table below, read off the handlers and exception handlers) and the
/// headers it reads and writes outside model binding; both serve the same reference UI (Development: tests run in it).
/// </summary>
[Collection(nameof(AppTestGroup))]
public sealed class OpenApiDocumentTests(AppFixture fixture)
{
    // 401/403 (authentication, scopes) and 429 (rate limits) belong to the authentication work and are not compared.
    private static readonly HashSet<int> NotCompared = [401, 403, 429];

    private static readonly string[] Freshness = ["X-Data-Source", "X-Data-As-Of", "X-Data-Lag-Ms", "X-Consistency"];
    private static readonly string[] Write = ["X-Consistency-Token", "Preference-Applied", "X-Analytics-Visible"];

    public static readonly Expected[] Orders =
    [
        new("CreateOrder", [400, 409, 413, 415, 422, 503], ["Idempotency-Key", "Prefer"],
            [(201, [.. Write, "ETag", "Idempotent-Replayed"]), (503, ["Retry-After"])]),
        new("GetOrder", [404, 503], [], [(200, ["ETag"]), (503, ["Retry-After"])]),
        new("ListOrders", [400, 503], [], [(503, ["Retry-After"])]),
        new("ChangeOrderStatus", [400, 404, 409, 412, 413, 415, 503], ["If-Match", "Prefer"],
            [(200, [.. Write, "ETag"]), (412, ["ETag"]), (503, ["Retry-After"])]),
        new("DeleteOrder", [400, 404, 409, 412, 503], ["If-Match", "Prefer"],
            [(200, Write), (412, ["ETag"]), (503, ["Retry-After"])]),
    ];

    public static readonly Expected[] Analytics =
    [
        new("GetRevenue", [400, 503], ["X-Consistency-Token"], [(200, Freshness), (503, ["Retry-After"])]),
        new("GetTopCustomers", [400, 503], ["X-Consistency-Token"], [(200, Freshness), (503, ["Retry-After"])]),
        new("GetSummary", [400, 503], ["X-Consistency-Token"], [(200, Freshness), (503, ["Retry-After"])]),
        new("GetFreshness", [400, 503], [], [(200, Freshness), (503, ["Retry-After"])]),
        new("GetReconciliation", [400, 409, 503], [], [(409, ["Retry-After"]), (503, ["Retry-After"])]),
        new("GetDashboardSettings", [], [], []),
        new("GetLastReconciliation", [], [], []),
    ];

    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("orders-api")]
    [InlineData("analytics-api")]
    public async Task Every_operation_declares_its_error_answers_and_custom_headers(string resource)
    {
        using var http = fixture.App.CreateHttpClient(resource);
        using var document = JsonDocument.Parse(await http.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative), _ct));
        var operations = Operations(document.RootElement);
        var table = resource == "orders-api" ? Orders : Analytics;

        // A new endpoint without a row here fails: its answers have to be read off its handler and written down.
        Assert.Equal(table.Select(e => e.OperationId).Order(), operations.Keys.Order());
        var wrong = new List<string>();
        foreach (var expected in table)
        {
            var operation = operations[expected.OperationId];
            var responses = operation.GetProperty("responses");
            var errors = responses.EnumerateObject().Select(r => int.Parse(r.Name, System.Globalization.CultureInfo.InvariantCulture))
                .Where(status => status >= 400 && !NotCompared.Contains(status)).Order().ToArray();
            if (!errors.SequenceEqual(expected.Errors))
            {
                wrong.Add($"{expected.OperationId}: errors [{string.Join(", ", errors)}], expected [{string.Join(", ", expected.Errors)}]");
            }

            foreach (var status in expected.Errors)
            {
                if (responses.TryGetProperty($"{status}", out var error)
                    && !(error.TryGetProperty("content", out var content) && content.EnumerateObject().Any(c => c.Name.Contains("problem+json", StringComparison.Ordinal))))
                {
                    wrong.Add($"{expected.OperationId}: {status} is not described as problem details");
                }
            }

            var requestHeaders = operation.TryGetProperty("parameters", out var parameters)
                ? parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "header").Select(p => p.GetProperty("name").GetString()!).ToHashSet(StringComparer.OrdinalIgnoreCase)
                : [];
            wrong.AddRange(expected.RequestHeaders.Where(h => !requestHeaders.Contains(h)).Select(h => $"{expected.OperationId}: request header {h} missing"));

            foreach (var (status, headers) in expected.ResponseHeaders)
            {
                var declared = responses.TryGetProperty($"{status}", out var response) && response.TryGetProperty("headers", out var h)
                    ? h.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase)
                    : [];
                wrong.AddRange(headers.Where(name => !declared.Contains(name)).Select(name => $"{expected.OperationId}: {status} lacks header {name}"));
            }
        }

        Assert.True(wrong.Count == 0, string.Join(Environment.NewLine, wrong));
    }

    [Theory]
    [InlineData("orders-api")]
    [InlineData("analytics-api")]
    public async Task Both_APIs_serve_the_same_reference_UI_without_a_CDN(string resource)
    {
        using var http = fixture.App.CreateHttpClient(resource);
        using var ui = await http.GetAsync(new Uri("/scalar/", UriKind.Relative), _ct);
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
        var html = await ui.Content.ReadAsStringAsync(_ct);
        Assert.Contains("PolyglotAspire", html, StringComparison.Ordinal);
        Assert.DoesNotContain("cdn.jsdelivr.net", html, StringComparison.Ordinal);
        Assert.DoesNotContain("fonts.scalar.com", html, StringComparison.Ordinal);
    }

    private static Dictionary<string, JsonElement> Operations(JsonElement document) =>
        document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject())
            .Where(method => method.Value.ValueKind == JsonValueKind.Object && method.Value.TryGetProperty("operationId", out _))
            .ToDictionary(method => method.Value.GetProperty("operationId").GetString()!, method => method.Value.Clone());

    /// <summary>One operation's row: its error statuses, the request headers it reads, and the headers of its responses.</summary>
    public sealed record Expected(string OperationId, int[] Errors, string[] RequestHeaders, (int Status, string[] Headers)[] ResponseHeaders);
}
