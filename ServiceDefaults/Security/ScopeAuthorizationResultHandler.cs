using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What the authorization middleware does with a refusal: a missing or invalid token is challenged (401, by the JWT
/// bearer handler, see <see cref="BearerProblems.ChallengeAsync"/>); a valid token without the scope is 403 with the
/// missing scope named. Everything else is the default behaviour.
/// </summary>
internal sealed class ScopeAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden && context.User.Identity?.IsAuthenticated == true)
        {
            var failure = authorizeResult.AuthorizationFailure;
            var missing = (failure?.FailedRequirements.OfType<ScopeRequirement>().Select(r => r.Scope) ?? [])
                .Concat(failure?.FailureReasons.Where(r => r.Handler is RouteScopeRequirement).Select(r => r.Message) ?? [])
                .Distinct()
                .ToList();
            return BearerProblems.ForbidAsync(context, missing);
        }

        return _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
