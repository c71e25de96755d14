using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using PolyglotAspire.Analytics.Reconciliation;
using PolyglotAspire.Analytics.Queries;

namespace PolyglotAspire.Analytics.Apis;

/// <summary>The dashboard page is static (wwwroot); this is the little it needs from configuration.</summary>
public static class DashboardApi
{
    /// <summary><see cref="RevenueStatuses"/>: so the page derives a region's average order value with the API's definition.</summary>
    public sealed record DashboardSettings(int RefreshSeconds, int LagWarningMs, IReadOnlyList<string> RevenueStatuses);

    public static IEndpointRouteBuilder MapDashboardApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("dashboard/settings", GetSettings)
            .WithName("GetDashboardSettings")
            .WithSummary("Refresh period, lag warning threshold and revenue statuses of the dashboard page.")
            .WithTags("Dashboard")
            .RequireScope(PolyglotScopes.AnalyticsRead);
        endpoints.MapGet("dashboard/reconciliation", GetLastReconciliation)
            .WithName("GetLastReconciliation")
            .WithSummary("The last completed reconciliation (GET /api/analytics/reconciliation runs one); 204 before the first.")
            .WithTags("Dashboard")
            .RequireScope(PolyglotScopes.AnalyticsRead);
        return endpoints;
    }

    public static Ok<DashboardSettings> GetSettings(IOptions<AnalyticsOptions> options) =>
        TypedResults.Ok(new DashboardSettings(options.Value.DashboardRefreshSeconds, options.Value.LagWarningMs, AnalyticsDefinitions.RevenueStatuses));

    public static Results<Ok<ReconciliationReport>, NoContent> GetLastReconciliation(Reconciler reconciler) =>
        reconciler.Last is { } last ? TypedResults.Ok(last) : TypedResults.NoContent();
}
