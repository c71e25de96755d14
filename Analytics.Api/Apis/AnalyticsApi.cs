using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using PolyglotAspire.Analytics.Freshness;
using PolyglotAspire.Analytics.Queries;
using PolyglotAspire.Contracts;

namespace PolyglotAspire.Analytics.Apis;

/// <summary>
/// The OLAP read API. Every answer says how fresh it is — <c>asOf</c>, <c>lagMs</c>, <c>source</c> (olap|oltp) and
/// <c>consistency</c> — in its body and in <c>X-Data-*</c>/<c>X-Consistency</c> response headers.
/// </summary>
public static class AnalyticsApi
{
    public const string SourceHeader = "X-Data-Source";
    public const string AsOfHeader = "X-Data-As-Of";
    public const string LagHeader = "X-Data-Lag-Ms";
    public const string ConsistencyHeader = "X-Consistency";

    private const int DefaultTopCustomers = 10;

    public static RouteGroupBuilder MapAnalyticsApi(this IEndpointRouteBuilder endpoints)
    {
        // Every answer says how fresh it is in headers too; a store down or a read refused to protect it is 503.
        var api = endpoints.MapGroup("api/analytics").WithTags("Analytics").RequireScope(PolyglotScopes.AnalyticsRead)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithResponseHeader(StatusCodes.Status503ServiceUnavailable, HeaderNames.RetryAfter, "Seconds to wait before asking again.")
            .WithResponseHeader(StatusCodes.Status200OK, SourceHeader, "Where the answer comes from: olap (ClickHouse) or oltp (the PostgreSQL fallback).")
            .WithResponseHeader(StatusCodes.Status200OK, AsOfHeader, "The instant the data is complete up to (ISO 8601); absent before anything was synchronised.")
            .WithResponseHeader(StatusCodes.Status200OK, LagHeader, "How far the data is behind the order database, in milliseconds; absent when unknown.")
            .WithResponseHeader(StatusCodes.Status200OK, ConsistencyHeader, "The consistency the answer was served with: eventual, session or bounded.");

        api.MapGet("revenue", GetRevenueAsync)
            .RequireRateLimiting(SecurityExtensions.ExpensiveReadsRateLimit)
            .WithName("GetRevenue")
            .WithSummary("Orders and revenue grouped by region, month, day or status (created_at in UTC, [from, to)), one row per key and currency; 'currency=EUR' keeps only that currency's orders.");
        api.MapGet("top-customers", GetTopCustomersAsync)
            .RequireRateLimiting(SecurityExtensions.ExpensiveReadsRateLimit)
            .WithName("GetTopCustomers")
            .WithSummary("Customers with the most revenue in the range, one row per customer and currency; 'currency=EUR' ranks that currency's revenue only.");
        api.MapGet("summary", GetSummaryAsync)
            .RequireRateLimiting(SecurityExtensions.ExpensiveReadsRateLimit)
            .WithName("GetSummary")
            .WithSummary("Totals over the range: orders, then per currency its orders, revenue, average order value and the same by status (money is never added across currencies); 'currency=EUR' keeps only that currency.");
        api.MapGet("freshness", GetFreshnessAsync)
            .WithName("GetFreshness")
            .WithSummary("How far ClickHouse has applied the change stream; with 'token' (and 'waitMs'), whether that write is visible.");

        return api;
    }

    public static async Task<Results<Ok<AnalyticsAnswer<IReadOnlyList<RevenueRow>>>, ValidationProblem>> GetRevenueAsync(
        [AsParameters] AnalyticsRequest request, ReadRouter router, HttpResponse response, CancellationToken cancellationToken)
    {
        var errors = new AnalyticsRequest.Errors();
        var range = request.ParseRange(errors);
        var region = request.ParseRegion(errors);
        var currency = request.ParseCurrency(errors);
        var groupBy = request.ParseGroupBy(errors);
        var consistency = request.ParseConsistency(errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var answer = await router.ReadAsync(consistency, (store, ct) => store.RevenueAsync(groupBy, range, region, currency, ct), cancellationToken);
        return TypedResults.Ok(WithFreshnessHeaders(response, answer));
    }

    public static async Task<Results<Ok<AnalyticsAnswer<IReadOnlyList<CustomerRow>>>, ValidationProblem>> GetTopCustomersAsync(
        [AsParameters] AnalyticsRequest request, ReadRouter router, IOptions<AnalyticsOptions> options, HttpResponse response, CancellationToken cancellationToken)
    {
        var errors = new AnalyticsRequest.Errors();
        var range = request.ParseRange(errors);
        var limit = request.ParseLimit(DefaultTopCustomers, options.Value.MaxLimit, errors);
        var currency = request.ParseCurrency(errors);
        var consistency = request.ParseConsistency(errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var answer = await router.ReadAsync(consistency, (store, ct) => store.TopCustomersAsync(range, limit, currency, ct), cancellationToken);
        return TypedResults.Ok(WithFreshnessHeaders(response, answer));
    }

    public static async Task<Results<Ok<AnalyticsAnswer<Summary>>, ValidationProblem>> GetSummaryAsync(
        [AsParameters] AnalyticsRequest request, ReadRouter router, HttpResponse response, CancellationToken cancellationToken)
    {
        var errors = new AnalyticsRequest.Errors();
        var range = request.ParseRange(errors);
        var currency = request.ParseCurrency(errors);
        var consistency = request.ParseConsistency(errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var answer = await router.ReadAsync(consistency,
            async (store, ct) => Summary.From(await store.ByStatusAsync(range, currency, ct)), cancellationToken);
        return TypedResults.Ok(WithFreshnessHeaders(response, answer));
    }

    public static async Task<Results<Ok<FreshnessResponse>, ValidationProblem>> GetFreshnessAsync(
        string? token, string? waitMs, FreshnessMonitor freshness, FallbackAdmission admission, IOptions<AnalyticsOptions> options,
        HttpResponse response, CancellationToken cancellationToken)
    {
        var errors = new AnalyticsRequest.Errors();
        ConsistencyToken? wanted = null;
        if (token is not null)
        {
            if (ConsistencyToken.TryParse(token, out var parsed))
            {
                wanted = parsed;
            }
            else
            {
                errors.Add("token", "'token' is not a consistency token; send back the consistencyToken a write returned.");
            }
        }

        var wait = 0;
        if (waitMs is not null
            && (!int.TryParse(waitMs, NumberStyles.None, CultureInfo.InvariantCulture, out wait) || wait > options.Value.MaxWaitMs || wanted is null))
        {
            errors.Add("waitMs", $"'waitMs' needs a 'token' and must be whole milliseconds from 0 to {options.Value.MaxWaitMs}.");
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        // A wait holds a slot (bounded: Analytics:MaxConcurrentWaits); without one it is refused, not made unbounded.
        using var slot = wait > 0
            ? admission.TryEnterWait("freshness") ?? throw new ReadRejectedException("Too many waiting reads",
                $"{options.Value.MaxConcurrentWaits} reads are already waiting for freshness. Retry after the indicated delay, or ask without waitMs.",
                TimeSpan.FromSeconds(1))
            : null;
        bool? visible = wanted is { } t ? await freshness.WaitForAsync(t, TimeSpan.FromMilliseconds(wait), cancellationToken) : null;
        var snapshot = await freshness.GetAsync(cancellationToken);
        var body = FreshnessResponse.From(snapshot, visible);
        WithFreshnessHeaders(response, new AnalyticsAnswer<FreshnessResponse>(body, snapshot.AsOf, snapshot.LagMs, "olap", "eventual"));
        return TypedResults.Ok(body);
    }

    private static AnalyticsAnswer<T> WithFreshnessHeaders<T>(HttpResponse response, AnalyticsAnswer<T> answer)
    {
        response.Headers[SourceHeader] = answer.Source;
        response.Headers[ConsistencyHeader] = answer.Consistency;
        if (answer.AsOf is { } asOf)
        {
            response.Headers[AsOfHeader] = asOf.ToString("O", CultureInfo.InvariantCulture);
        }

        if (answer.LagMs is { } lag)
        {
            response.Headers[LagHeader] = lag.ToString(CultureInfo.InvariantCulture);
        }

        return answer;
    }
}

/// <summary>The freshness endpoint's answer.</summary>
public sealed record FreshnessResponse(
    string Watermark,
    DateTimeOffset? AsOf,
    long? LagMs,
    bool CaughtUp,
    bool? TokenVisible,
    IReadOnlyList<FreshnessResponse.Partition> Partitions,
    string? Untrusted)
{
    /// <summary>A partition's watermark as stored, with the source it belongs to (<c>systemIdentifier/timeline</c>).</summary>
    public sealed record Partition(int Id, string Watermark, DateTimeOffset AsOf, string Source);

    public static FreshnessResponse From(FreshnessSnapshot snapshot, bool? tokenVisible) => new(
        snapshot.Watermark.ToString(), snapshot.AsOf, snapshot.LagMs, snapshot.CaughtUp, tokenVisible,
        [.. snapshot.Partitions.Select(p => new Partition(p.Partition, p.Watermark.ToString(), p.AsOf,
            string.Create(CultureInfo.InvariantCulture, $"{p.SourceSystemId}/{p.SourceTimeline}")))],
        snapshot.Untrusted);
}
