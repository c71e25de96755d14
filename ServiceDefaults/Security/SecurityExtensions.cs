using System.Globalization;
using System.Net;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The one security set-up both APIs share: JWT bearer authentication (<see cref="AuthenticationSettings"/>), a policy
/// per scope (<see cref="PolyglotScopes"/>) with every other endpoint requiring at least a valid token, 401/403 as problem
/// details, the bearer scheme in OpenAPI, and per-caller rate limits (<see cref="RateLimitSettings"/>).
/// </summary>
public static class SecurityExtensions
{
    /// <summary>Rate-limit policy of order writes.</summary>
    public const string WritesRateLimit = "writes";

    /// <summary>Rate-limit policy of analytics questions that may scan much.</summary>
    public const string ExpensiveReadsRateLimit = "expensive-reads";

    public static TBuilder AddPolyglotAuthentication<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var services = builder.Services;
        services.AddOptions<AuthenticationSettings>().BindConfiguration(AuthenticationSettings.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuthenticationSettings>, AuthenticationSettingsValidator>());
        services.AddOptions<ServiceTokenSettings>().BindConfiguration(ServiceTokenSettings.SectionName);

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthenticationSettings>>((jwt, settings) => ConfigureJwtBearer(jwt, settings.Value));

        var authorization = services.AddAuthorizationBuilder()
            // An endpoint without a policy of its own still needs a valid token, and the scope its route implies by
            // convention (/api/analytics, /api/admin): nothing is open by omission.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().AddRequirements(new RouteScopeRequirement()).Build());
        foreach (var scope in PolyglotScopes.All)
        {
            authorization.AddPolicy(scope, policy => policy.RequireAuthenticatedUser().AddRequirements(new ScopeRequirement(scope)));
        }

        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ScopeAuthorizationResultHandler>();
        services.ConfigureAll<OpenApiOptions>(options =>
        {
            var transformer = new BearerOpenApiTransformer();
            options.AddDocumentTransformer(transformer);
            options.AddOperationTransformer(transformer);
        });

        builder.AddPolyglotRateLimiting();
        return builder;
    }

    /// <summary>Authentication, authorization and rate limiting, in that order; call it after static files (the page shell stays public).</summary>
    public static WebApplication UsePolyglotAuthentication(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }

    /// <summary>
    /// A service's operations (<c>/api/admin</c>): not public API, so kept off the OpenAPI document; the route
    /// convention (<see cref="RouteScopeRequirement"/>) makes every endpoint in it need the admin scope.
    /// </summary>
    public static RouteGroupBuilder MapAdminGroup(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGroup(RouteScopeRequirement.AdminPrefix).ExcludeFromDescription();

    /// <summary>The endpoint needs a token with <paramref name="scope"/>.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder endpoints, string scope) where TBuilder : IEndpointConventionBuilder =>
        endpoints.RequireAuthorization(scope);

    /// <summary>API documentation (OpenAPI, the reference UI): anonymous in Development, a valid token elsewhere.</summary>
    public static TBuilder AsDocumentation<TBuilder>(this TBuilder endpoints, IHostEnvironment environment) where TBuilder : IEndpointConventionBuilder =>
        environment.IsDevelopment() ? endpoints.AllowAnonymous() : endpoints.RequireAuthorization();

    /// <summary>A client whose requests carry this service's own token for <paramref name="scopes"/> (<see cref="ServiceTokenSource"/>).</summary>
    public static IHttpClientBuilder AddServiceToken(this IHttpClientBuilder http, params string[] scopes)
    {
        var key = "service-token:" + string.Join(' ', scopes);
        http.Services.TryAddKeyedSingleton(key, (sp, _) => ActivatorUtilities.CreateInstance<ServiceTokenSource>(sp, (IReadOnlyList<string>)scopes));
        return http.AddHttpMessageHandler(sp => new ServiceTokenHandler(sp.GetRequiredKeyedService<ServiceTokenSource>(key)));
    }

    private static void ConfigureJwtBearer(JwtBearerOptions jwt, AuthenticationSettings settings)
    {
        jwt.MapInboundClaims = false; // keep 'sub', 'scope', 'scp', 'roles' as the token says them
        jwt.IncludeErrorDetails = true;
        jwt.Events = new JwtBearerEvents { OnChallenge = BearerProblems.ChallengeAsync };
        var parameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidAudience = settings.Audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true, // alg: none is refused
            ValidateIssuerSigningKey = true,
            ClockSkew = settings.ClockSkew,
            NameClaimType = "sub",
            RoleClaimType = "roles",
        };
        if (settings.UsesAuthority)
        {
            // The identity provider's issuer and signing keys come from its metadata; the local key is not accepted.
            jwt.Authority = settings.Authority;
            jwt.RequireHttpsMetadata = settings.RequireHttpsMetadata;
        }
        else if (!string.IsNullOrEmpty(settings.SigningKey))
        {
            parameters.ValidIssuer = settings.Issuer;
            parameters.IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(settings.SigningKey));
            parameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
        }

        jwt.TokenValidationParameters = parameters;
    }

    private static void AddPolyglotRateLimiting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RateLimitSettings>().BindConfiguration(RateLimitSettings.SectionName)
            .ValidateDataAnnotations()
            .Validate(s => s.IsValid(), $"{RateLimitSettings.SectionName}: every TokenLimit and TokensPerPeriod is 1 to 10,000,000, every ReplenishmentPeriod 10 ms to 1 h.")
            .ValidateOnStart();
        builder.Services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = OnRejectedAsync;
            options.AddPolicy(WritesRateLimit, context => Bucket(context, WritesRateLimit, s => s.Writes));
            options.AddPolicy(ExpensiveReadsRateLimit, context => Bucket(context, ExpensiveReadsRateLimit, s => s.ExpensiveReads));
        });
    }

    private static RateLimitPartition<string> Bucket(HttpContext context, string policy, Func<RateLimitSettings, TokenBucketSettings> select)
    {
        var settings = select(context.RequestServices.GetRequiredService<IOptions<RateLimitSettings>>().Value);
        return RateLimitPartition.GetTokenBucketLimiter(policy + "|" + Caller(context), _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = settings.TokenLimit,
            TokensPerPeriod = settings.TokensPerPeriod,
            ReplenishmentPeriod = settings.ReplenishmentPeriod,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    /// <summary>Who is calling: the token's subject when there is one, else the client's address.</summary>
    internal static string Caller(HttpContext context) =>
        context.User.FindFirst("sub")?.Value is { Length: > 0 } subject
            ? "sub:" + subject
            : "ip:" + (context.Connection.RemoteIpAddress ?? IPAddress.None);

    private static async ValueTask OnRejectedAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var http = rejected.HttpContext;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status429TooManyRequests,
            Title = "Too many requests",
            Detail = $"This caller sent more requests than its limit allows; retry after {retryAfter} s.",
        };
        problem.Extensions["traceId"] = http.TraceIdentifier;
        var service = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        await service.WriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem });
    }
}
