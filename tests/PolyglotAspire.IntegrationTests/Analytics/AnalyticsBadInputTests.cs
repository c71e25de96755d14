using System.Net;
using Aspire.Hosting.Testing;
using PolyglotAspire.IntegrationTests.Infrastructure;

namespace PolyglotAspire.IntegrationTests.Analytics;

/// <summary>Every mistake a client can make gets a 400 with problem details: never a 500, never a query built from it.</summary>
[Collection(nameof(AppTestGroup))]
public sealed class AnalyticsBadInputTests(AppFixture fixture)
{
    public static TheoryData<string> BadRequests() =>
    [
        "/api/analytics/revenue?groupBy=week",
        "/api/analytics/revenue?groupBy=region;DROP%20TABLE%20orders",
        "/api/analytics/revenue?groupBy=region%2Cday",
        "/api/analytics/revenue?from=yesterday",
        "/api/analytics/revenue?from=2026-11-25&to=2026-11-01",
        "/api/analytics/revenue?from=2026-11-25T10:00:00",
        "/api/analytics/revenue?to=2026-11-25%27%20OR%201=1--",
        "/api/analytics/revenue?region=" + new string('x', 65),
        "/api/analytics/revenue?region=%00%1b",
        "/api/analytics/revenue?consistency=strong",
        "/api/analytics/revenue?consistency=session",
        "/api/analytics/revenue?consistency=bounded",
        "/api/analytics/revenue?consistency=bounded&maxStalenessMs=-1",
        "/api/analytics/revenue?currency=eur",
        "/api/analytics/revenue?currency=EURO",
        "/api/analytics/revenue?currency=E1R",
        "/api/analytics/revenue?currency=",
        "/api/analytics/summary?currency=US",
        "/api/analytics/summary?currency=%27%3B--",
        "/api/analytics/top-customers?currency=%C3%89UR",
        "/api/analytics/top-customers?limit=0",
        "/api/analytics/top-customers?limit=1000000",
        "/api/analytics/top-customers?limit=10%20UNION%20SELECT%201",
        "/api/analytics/summary?from=%27%3B%20SELECT%20*%20FROM%20system.users%20--",
        "/api/analytics/freshness?token=abc",
        "/api/analytics/freshness?waitMs=100",
        "/api/analytics/freshness?token=0/1&waitMs=999999999",
    ];

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_input_is_a_400_with_problem_details(string pathAndQuery)
    {
        using var http = fixture.App.CreateHttpClient("analytics-api");
        using var response = await http.GetAsync(new Uri(pathAndQuery, UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_malformed_session_token_is_a_400()
    {
        using var http = fixture.App.CreateHttpClient("analytics-api");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/analytics/summary?consistency=session");
        request.Headers.TryAddWithoutValidation("X-Consistency-Token", "1/1' OR '1'='1");
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
