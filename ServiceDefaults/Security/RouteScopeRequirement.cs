using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The fallback policy's convention, for endpoints that name no policy of their own: every route under
/// <c>/api/analytics</c> needs <see cref="PolyglotScopes.AnalyticsRead"/>, every route under <c>/api/admin</c> needs
/// <see cref="PolyglotScopes.Admin"/>, anything else a valid token. A new endpoint there is covered without remembering to.
/// </summary>
public sealed class RouteScopeRequirement : AuthorizationHandler<RouteScopeRequirement>, IAuthorizationRequirement
{
    /// <summary>Where operations live (<see cref="SecurityExtensions.MapAdminGroup"/>).</summary>
    public const string AdminPrefix = "/api/admin";

    private static readonly (PathString Prefix, string Scope)[] Conventions =
    [
        ("/api/analytics", PolyglotScopes.AnalyticsRead),
        (AdminPrefix, PolyglotScopes.Admin),
    ];

    /// <summary>The scope a route needs by convention, or null when a valid token is enough.</summary>
    public static string? ScopeFor(PathString path)
    {
        foreach (var (prefix, scope) in Conventions)
        {
            if (path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return scope;
            }
        }

        return null;
    }

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, RouteScopeRequirement requirement)
    {
        var path = context.Resource switch
        {
            HttpContext http => http.Request.Path,
            _ => PathString.Empty,
        };
        if (ScopeFor(path) is not { } scope || PolyglotScopes.Has(context.User, scope))
        {
            context.Succeed(requirement);
        }
        else
        {
            context.Fail(new AuthorizationFailureReason(this, scope));
        }

        return Task.CompletedTask;
    }
}
