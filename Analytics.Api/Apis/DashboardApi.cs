using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

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
            .WithTags("Dashboard")
            .RequireScope(PolyglotScopes.AnalyticsRead);
        return endpoints;
    }

    public static Ok<DashboardSettings> GetSettings(IOptions<AnalyticsOptions> options) =>
        TypedResults.Ok(new DashboardSettings(options.Value.DashboardRefreshSeconds, options.Value.LagWarningMs));
}
