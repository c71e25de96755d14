using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Timeout;
using PolyglotAspire.Contracts;
using PolyglotAspire.OrdersApi.Consistency;

namespace PolyglotAspire.OrdersApi.UnitTests;

/// <summary>
/// A strong write is committed before it asks analytics anything: whatever that question meets — the resilience
/// pipeline's circuit breaker, rate limiter or timeout, the network, a malformed answer — the write answers its own
/// result with <c>X-Analytics-Visible: false</c>, never an error (issue 13 item 4).
/// </summary>
public sealed class StrongConsistencyTests
{
    public static TheoryData<string> Failures => ["circuit open", "rate limited", "timeout", "network", "not json", "500"];


    private static AnalyticsVisibilityClient Client(HttpMessageHandler handler) =>
        new(new HttpClient(handler) { BaseAddress = new Uri("http://analytics-api") }, NullLogger<AnalyticsVisibilityClient>.Instance);

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task Any_failure_to_ask_analytics_is_not_known_visible_never_an_exception(string failure)
    {
        var visible = await Client(new Failing(failure)).WaitUntilVisibleAsync(
            new ConsistencyToken(42), TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        Assert.Null(visible);
    }

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task A_committed_strong_write_answers_its_result_whatever_the_visibility_check_meets(string failure)
    {
        var services = new ServiceCollection().AddSingleton(Client(new Failing(failure))).BuildServiceProvider();
        var http = new DefaultHttpContext { RequestServices = services };
        http.Request.Headers["Prefer"] = "consistency=strong";
        var filter = new StrongConsistencyFilter(Options.Create(new OrdersOptions()), NullLogger<StrongConsistencyFilter>.Instance);
        var committed = Results.Created("/api/orders/1", null);

        var result = await filter.InvokeAsync(new DefaultEndpointFilterInvocationContext(http), _ =>
        {
            http.Response.Headers[ConsistencyHeaders.Token] = new ConsistencyToken(42).ToString(); // the handler committed
            return ValueTask.FromResult<object?>(committed);
        });

        Assert.Same(committed, result);
        Assert.Equal("false", http.Response.Headers[ConsistencyHeaders.AnalyticsVisible].ToString());
        Assert.False(http.Response.Headers.ContainsKey(ConsistencyHeaders.PreferenceApplied));
    }

    [Fact]
    public async Task The_callers_own_cancellation_still_cancels()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Client(new Failing("500"))
            .WaitUntilVisibleAsync(new ConsistencyToken(42), TimeSpan.FromSeconds(1), cancelled.Token));
    }

    /// <summary>Analytics as the resilience pipeline hands it over when it fails: an exception, or an answer that is not one.</summary>
    private sealed class Failing(string failure) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return failure switch
            {
                "circuit open" => throw new BrokenCircuitException("The circuit is now open and is not allowing calls."),
                "rate limited" => throw new RateLimiterRejectedException(),
                "timeout" => throw new TimeoutRejectedException(),
                "network" => throw new HttpRequestException("Connection refused"),
                "not json" => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("<html>") }),
                _ => Task.FromResult(new HttpResponseMessage(HttpStatusCode.InternalServerError)),
            };
        }
    }
}
