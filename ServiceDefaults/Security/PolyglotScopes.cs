using System.Security.Claims;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The scopes of the PolyglotAspire APIs. Each is also the name of the authorization policy that requires it. A token
/// carries them in <c>scope</c> (space-separated, OAuth 2.0 / RFC 9068; <c>eng/dev-token.sh</c>), <c>scp</c> (Entra ID
/// delegated tokens) or <c>roles</c> (Entra ID application permissions, for service-to-service callers).
/// </summary>
public static class PolyglotScopes
{
    /// <summary>Create orders, change their status, delete them.</summary>
    public const string OrdersWrite = "orders:write";

    /// <summary>Get and list orders.</summary>
    public const string OrdersRead = "orders:read";

    /// <summary>Every analytics endpoint, freshness and reconciliation included, and the dashboard page's data.</summary>
    public const string AnalyticsRead = "analytics:read";

    /// <summary>Every <c>/api/admin/*</c> endpoint and the dashboard commands.</summary>
    public const string Admin = "admin";

    public static IReadOnlyList<string> All { get; } = [OrdersWrite, OrdersRead, AnalyticsRead, Admin];

    /// <summary>Whether the caller was granted <paramref name="scope"/>.</summary>
    public static bool Has(ClaimsPrincipal user, string scope)
    {
        foreach (var claim in user.Claims)
        {
            switch (claim.Type)
            {
                case "scope" or "scp":
                    foreach (var granted in claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    {
                        if (string.Equals(granted, scope, StringComparison.Ordinal))
                        {
                            return true;
                        }
                    }

                    break;
                case "roles" when string.Equals(claim.Value, scope, StringComparison.Ordinal):
                    return true;
            }
        }

        return false;
    }
}
