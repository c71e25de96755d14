using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using PolyglotAspire.Analytics.Reconciliation;

namespace PolyglotAspire.Analytics.Apis;

/// <summary>The dashboard page is static (wwwroot); this is the little it needs from configuration.</summary>
public static class DashboardApi
{
    public sealed record DashboardSettings(int RefreshSeconds, int LagWarningMs);

    public static IEndpointRouteBuilder MapDashboardApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("dashboard/settings", GetSettings)
            .WithName("GetDashboardSettings")
            .WithSummary("Refresh period and lag warning threshold of the dashboard page.")
            .WithTags("Dashboard");
        endpoints.MapGet("dashboard/reconciliation", GetLastReconciliation)
            .WithName("GetLastReconciliation")
            .WithSummary("The last completed reconciliation (GET /api/analytics/reconciliation runs one); 204 before the first.")
            .WithTags("Dashboard");
        return endpoints;
    }

    public static Ok<DashboardSettings> GetSettings(IOptions<AnalyticsOptions> options) =>
        TypedResults.Ok(new DashboardSettings(options.Value.DashboardRefreshSeconds, options.Value.LagWarningMs));

    public static Results<Ok<ReconciliationReport>, NoContent> GetLastReconciliation(Reconciler reconciler) =>
        reconciler.Last is { } last ? TypedResults.Ok(last) : TypedResults.NoContent();
}
