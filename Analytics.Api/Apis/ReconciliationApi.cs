using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using PolyglotAspire.Analytics.Reconciliation;

namespace PolyglotAspire.Analytics.Apis;

/// <summary>
/// <c>GET /api/analytics/reconciliation</c>: PostgreSQL and ClickHouse compared exactly at one point of the change
/// stream, while writes go on (<see cref="Reconciler"/>). One at a time; a second request while one runs is refused (409).
/// </summary>
public static class ReconciliationApi
{
    public static RouteGroupBuilder MapReconciliationApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("api/analytics").WithTags("Analytics").RequireScope(PolyglotScopes.AnalyticsRead);
        api.MapGet("reconciliation", ReconcileAsync)
            .WithName("GetReconciliation")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithResponseHeader(StatusCodes.Status409Conflict, HeaderNames.RetryAfter, "Seconds to wait for the running reconciliation to end.")
            .WithResponseHeader(StatusCodes.Status503ServiceUnavailable, HeaderNames.RetryAfter, "Seconds to wait before asking again.")
            .WithSummary("Compares PostgreSQL and ClickHouse per UTC day × region × currency (orders, revenue) at one WAL position, optionally over a created_at range [from, to); 'differences' is empty when they agree. 409 while another runs, 503 if ClickHouse does not catch up with the snapshot in time.");
        return api;
    }

    public static async Task<Results<Ok<ReconciliationReport>, ValidationProblem, ProblemHttpResult>> ReconcileAsync(
        string? from, string? to, Reconciler reconciler, HttpResponse response, CancellationToken cancellationToken)
    {
        var errors = new AnalyticsRequest.Errors();
        var range = new AnalyticsRequest { From = from, To = to }.ParseRange(errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        switch (await reconciler.RunAsync(range, cancellationToken))
        {
            case ReconciliationOutcome.Done done:
                return TypedResults.Ok(done.Report);
            case ReconciliationOutcome.NotCaughtUp behind:
                response.Headers.RetryAfter = "5";
                return TypedResults.Problem(
                    $"ClickHouse's watermark ({behind.Watermark}) did not reach the snapshot ({behind.SnapshotLsn}) within {behind.Waited.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s: the sync pipeline is behind, paused or down, so nothing can be compared exactly yet.",
                    statusCode: StatusCodes.Status503ServiceUnavailable, title: "ClickHouse has not caught up with the snapshot",
                    extensions: new Dictionary<string, object?> { ["snapshotLsn"] = behind.SnapshotLsn, ["watermark"] = behind.Watermark });
            default:
                response.Headers.RetryAfter = "1";
                return TypedResults.Problem("Another reconciliation is running; they run one at a time.",
                    statusCode: StatusCodes.Status409Conflict, title: "A reconciliation is already running");
        }
    }
}
