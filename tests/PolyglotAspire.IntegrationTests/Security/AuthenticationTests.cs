using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.Hosting;
using PolyglotAspire.IntegrationTests.Infrastructure;
using PolyglotAspire.Testing;

namespace PolyglotAspire.IntegrationTests.Security;

/// <summary>
/// Issue 15's "done when", from outside: every operation the APIs document answers 401 without a token and 403 with a
/// valid token lacking its scope, forged and refused tokens are 401, /health and /alive are open, and what
/// <c>eng/dev-token.sh</c> prints works. The operations come from the APIs' OpenAPI documents, so new ones are covered.
/// </summary>
[Collection(nameof(AppTestGroup))]
public sealed class AuthenticationTests(AppFixture fixture)
{
    private static readonly string[] Apis = ["orders-api", "analytics-api"];
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_documented_operation_needs_a_token_and_its_scope()
    {
        var operations = new List<(string Api, Operation Operation)>();
        foreach (var api in Apis)
        {
            operations.AddRange((await OperationsAsync(api)).Select(o => (api, o)));
        }

        // The enumeration itself must see the API: every order and analytics operation, each with one scope.
        Assert.Equal(5, operations.Count(o => o.Operation.Path.StartsWith("/api/orders", StringComparison.Ordinal)));
        Assert.True(operations.Count(o => o.Operation.Path.StartsWith("/api/analytics", StringComparison.Ordinal)) >= 4);
        Assert.All(operations, o => Assert.Single(o.Operation.Scopes));

        foreach (var (api, operation) in operations)
        {
            using var anonymous = await SendAsync(api, operation, token: null);
            await AssertProblemAsync(anonymous, HttpStatusCode.Unauthorized, $"{operation} without a token");

            var others = PolyglotScopes.All.Except(operation.Scopes).ToArray();
            using var lacking = await SendAsync(api, operation, await fixture.App.TokenAsync(others));
            await AssertProblemAsync(lacking, HttpStatusCode.Forbidden, $"{operation} with {string.Join(' ', others)}");
            Assert.Contains("insufficient_scope", lacking.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
            Assert.Contains(operation.Scopes[0], lacking.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }
    }

    public static TheoryData<string> RefusedTokens() => ["garbage", "alg-none", "expired", "wrong-audience", "wrong-issuer", "wrong-key", "not-yet-valid"];

    [Theory]
    [MemberData(nameof(RefusedTokens))]
    public async Task A_refused_token_is_a_401_with_a_problem_and_a_challenge(string kind)
    {
        var key = await fixture.App.SigningKeyAsync(_ct);
        var now = DateTimeOffset.UtcNow;
        string[] all = [.. PolyglotScopes.All];
        var token = kind switch
        {
            "garbage" => "not-a-token",
            "alg-none" => Unsigned(DevTokens.Create(key, all)),
            "expired" => DevTokens.Create(key, all, lifetime: TimeSpan.FromMinutes(5), now: now.AddHours(-1)),
            "wrong-audience" => DevTokens.Create(key, all, audience: "another-api"),
            "wrong-issuer" => DevTokens.Create(key, all, issuer: "https://attacker.example"),
            "wrong-key" => DevTokens.Create(Convert.ToHexString(Guid.NewGuid().ToByteArray()) + Convert.ToHexString(Guid.NewGuid().ToByteArray()), all),
            "not-yet-valid" => DevTokens.Create(key, all, now: now.AddHours(1)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        foreach (var (api, path) in new[] { ("orders-api", "/api/orders"), ("analytics-api", "/api/analytics/summary") })
        {
            using var response = await SendAsync(api, new Operation(HttpMethod.Get, path, []), token);
            await AssertProblemAsync(response, HttpStatusCode.Unauthorized, $"{kind} token on {path}");
            Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_analytics_reader_cannot_create_an_order()
    {
        using var http = Anonymous("orders-api");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = JsonContent.Create(OrderBody()) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await fixture.App.TokenAsync(PolyglotScopes.AnalyticsRead));
        using var response = await http.SendAsync(request, _ct);

        await AssertProblemAsync(response, HttpStatusCode.Forbidden, "analytics:read creating an order");
    }

    /// <summary>The route convention covers endpoints nobody annotated, on every service (e.g. the worker's admin API).</summary>
    [Theory]
    [InlineData("sync-worker", "/api/admin/backfill", PolyglotScopes.Admin)]
    [InlineData("analytics-api", "/api/admin/anything", PolyglotScopes.Admin)]
    [InlineData("analytics-api", "/api/analytics/not-yet-written", PolyglotScopes.AnalyticsRead)]
    public async Task Routes_under_admin_and_analytics_need_their_scope_by_convention(string api, string path, string scope)
    {
        var operation = new Operation(HttpMethod.Get, path, [scope]);
        using var anonymous = await SendAsync(api, operation, null);
        await AssertProblemAsync(anonymous, HttpStatusCode.Unauthorized, path);

        using var lacking = await SendAsync(api, operation, await fixture.App.TokenAsync([.. PolyglotScopes.All.Where(s => s != scope)]));
        await AssertProblemAsync(lacking, HttpStatusCode.Forbidden, path);
    }

    [Fact]
    public async Task Health_and_liveness_answer_without_a_token()
    {
        foreach (var service in AppTokens.Services)
        {
            using var http = Anonymous(service);
            foreach (var path in new[] { "/health", "/alive" })
            {
                using var response = await http.GetAsync(new Uri(path, UriKind.Relative), _ct);
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{service}{path}: {(int)response.StatusCode}");
            }
        }
    }

    [Fact]
    public async Task The_dev_token_script_output_works_for_everything()
    {
        var token = await DevTokenScript.TokenAsync(new Dictionary<string, string?> { ["POLYGLOT_SIGNING_KEY"] = await fixture.App.SigningKeyAsync(_ct) },
            "orders:write", "orders:read", "analytics:read", "admin");

        using var orders = Anonymous("orders-api");
        orders.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var created = await orders.PostAsJsonAsync("/api/orders", OrderBody(), _ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(_ct)).GetProperty("id").GetGuid();
        using var read = await orders.GetAsync(new Uri($"/api/orders/{id}", UriKind.Relative), _ct);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);

        using var analytics = Anonymous("analytics-api");
        analytics.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var summary = await analytics.GetAsync(new Uri("/api/analytics/summary", UriKind.Relative), _ct);
        Assert.Equal(HttpStatusCode.OK, summary.StatusCode);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode expected, string what)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{what}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)expected, JsonDocument.Parse(body).RootElement.GetProperty("status").GetInt32());
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    /// <summary>A client of the service with no token handler: what a stranger's client is.</summary>
    private HttpClient Anonymous(string service) => new() { BaseAddress = fixture.App.GetEndpoint(service, "http") };

    private async Task<HttpResponseMessage> SendAsync(string api, Operation operation, string? token)
    {
        using var http = Anonymous(api);
        using var request = new HttpRequestMessage(operation.Method, operation.Path);
        if (operation.Method != HttpMethod.Get && operation.Method != HttpMethod.Delete)
        {
            request.Content = JsonContent.Create(OrderBody());
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await http.SendAsync(request, _ct);
    }

    /// <summary>The operations an API's OpenAPI document lists (path parameters filled in), with the scopes each requires.</summary>
    private async Task<List<Operation>> OperationsAsync(string api)
    {
        using var http = fixture.App.CreateHttpClient(api);
        using var document = JsonDocument.Parse(await http.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative), _ct));
        var operations = new List<Operation>();
        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject())
        {
            var concrete = System.Text.RegularExpressions.Regex.Replace(path.Name, "{[^}]+}", Guid.NewGuid().ToString());
            foreach (var operation in path.Value.EnumerateObject())
            {
                var scopes = operation.Value.TryGetProperty("security", out var security)
                    ? security.EnumerateArray().SelectMany(r => r.EnumerateObject()).SelectMany(s => s.Value.EnumerateArray()).Select(s => s.GetString()!).Distinct().ToArray()
                    : [];
                operations.Add(new Operation(new HttpMethod(operation.Name.ToUpperInvariant()), concrete, scopes));
            }
        }

        return operations;
    }

    private static object OrderBody() => new
    {
        customerId = "auth-" + Guid.NewGuid().ToString("N")[..8],
        region = "eu-west",
        currency = "EUR",
        lines = new[] { new { sku = "SKU-1", quantity = 1, unitPrice = 9.99m } },
    };

    /// <summary>The same claims with <c>alg: none</c> and no signature: a forgery.</summary>
    private static string Unsigned(string token)
    {
        var payload = token.Split('.')[1];
        return Base64Url.EncodeToString("""{"alg":"none","typ":"JWT"}"""u8) + "." + payload + ".";
    }

    internal sealed record Operation(HttpMethod Method, string Path, string[] Scopes)
    {
        public override string ToString() => $"{Method} {Path}";
    }
}
