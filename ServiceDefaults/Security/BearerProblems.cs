using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// 401 and 403 as RFC 7807 problem details, each with its RFC 6750 <c>WWW-Authenticate</c> challenge: 401 says whether
/// the token was missing or why it was refused (<c>error="invalid_token"</c>), 403 names the scope that was missing
/// (<c>error="insufficient_scope", scope="…"</c>).
/// </summary>
internal static class BearerProblems
{
    public const string Realm = "polyglot-aspire";

    /// <summary>The JWT bearer handler's challenge, answered here instead of with its empty body.</summary>
    public static async Task ChallengeAsync(JwtBearerChallengeContext context)
    {
        context.HandleResponse();
        var http = context.HttpContext;
        if (http.Response.HasStarted)
        {
            return;
        }

        var failure = context.AuthenticateFailure;
        string header, detail;
        if (failure is null)
        {
            header = $"Bearer realm=\"{Realm}\"";
            detail = "This endpoint needs a bearer token: 'Authorization: Bearer <token>' (locally: eng/dev-token.sh SCOPE...).";
        }
        else
        {
            var reason = Describe(failure);
            header = $"Bearer realm=\"{Realm}\", error=\"invalid_token\", error_description=\"{reason}\"";
            detail = $"The bearer token was refused: {reason}.";
        }

        http.Response.StatusCode = StatusCodes.Status401Unauthorized;
        http.Response.Headers.WWWAuthenticate = header;
        await WriteAsync(http, StatusCodes.Status401Unauthorized, "Unauthorized", detail);
    }

    /// <summary>A valid token without the scope the endpoint's policy requires.</summary>
    public static async Task ForbidAsync(HttpContext http, IReadOnlyCollection<string> missingScopes)
    {
        var scopes = string.Join(' ', missingScopes);
        http.Response.StatusCode = StatusCodes.Status403Forbidden;
        http.Response.Headers.WWWAuthenticate = $"Bearer realm=\"{Realm}\", error=\"insufficient_scope\", scope=\"{scopes}\"";
        await WriteAsync(http, StatusCodes.Status403Forbidden, "Forbidden",
            missingScopes.Count == 0 ? "The token does not allow this request." : $"The token lacks the scope this endpoint requires: {scopes}.");
    }

    private static async Task WriteAsync(HttpContext http, int status, string title, string detail)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        problem.Extensions["traceId"] = http.TraceIdentifier;
        var service = http.RequestServices.GetService<IProblemDetailsService>();
        if (service is null || !await service.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem }))
        {
            http.Response.ContentType = "application/problem+json";
            await http.Response.WriteAsJsonAsync(problem, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json", http.RequestAborted);
        }
    }

    /// <summary>Why a token was refused, in words safe to return (no token content, no key material).</summary>
    internal static string Describe(Exception failure) => failure switch
    {
        SecurityTokenExpiredException => "it has expired",
        SecurityTokenNotYetValidException => "it is not valid yet",
        SecurityTokenInvalidAudienceException => "it was issued for another audience",
        SecurityTokenInvalidIssuerException => "it was issued by an untrusted issuer",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "its signature is not valid",
        SecurityTokenInvalidAlgorithmException => "its signing algorithm is not accepted",
        SecurityTokenNoExpirationException => "it has no expiry",
        SecurityTokenMalformedException or ArgumentException => "it is not a well-formed JWT",
        _ => "it is not valid",
    };
}
