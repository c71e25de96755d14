using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PolyglotAspire.AppHost.Security;

namespace PolyglotAspire.Testing;

/// <summary>
/// Bearer tokens for a test or load app, made the way <c>eng/dev-token.sh</c> makes them: signed with the key the
/// AppHost generated for that app (its <c>auth-signing-key</c> parameter). No bypass: the APIs validate them as any other.
/// </summary>
public static class AppTokens
{
    /// <summary>The services that validate tokens (their endpoints get one from <see cref="AddAppTokens"/>' clients).</summary>
    public static readonly IReadOnlyList<string> Services = ["orders-api", "analytics-api", "sync-worker"];

    /// <summary>AppHost settings that lift the per-caller rate limits: every client of a test shares one subject.</summary>
    public static readonly IReadOnlyList<string> UnlimitedRates =
    [
        "RateLimiting:Writes:TokenLimit=10000000", "RateLimiting:Writes:TokensPerPeriod=10000000",
        "RateLimiting:ExpensiveReads:TokenLimit=10000000", "RateLimiting:ExpensiveReads:TokensPerPeriod=10000000",
    ];

    /// <summary>Every client the app's <see cref="IHttpClientFactory"/> makes (<c>app.CreateHttpClient</c>) presents a token with every scope to the services.</summary>
    public static void AddAppTokens(this IServiceCollection services) =>
        services.ConfigureHttpClientDefaults(http => http.AddHttpMessageHandler(sp => new AppBearerHandler(sp)));

    /// <summary>The app's signing key (the AppHost's secret parameter).</summary>
    public static Task<string> SigningKeyAsync(this DistributedApplication app, CancellationToken cancellationToken = default) =>
        SigningKeyAsync(app.Services, cancellationToken);

    internal static async Task<string> SigningKeyAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var model = services.GetRequiredService<DistributedApplicationModel>();
        var parameter = model.Resources.OfType<ParameterResource>().Single(p => p.Name == ApiAuthentication.SigningKeyName);
        return await parameter.GetValueAsync(cancellationToken) ?? throw new InvalidOperationException("The signing key parameter has no value.");
    }

    /// <summary>A token for exactly <paramref name="scopes"/>, accepted by this app's services.</summary>
    public static async Task<string> TokenAsync(this DistributedApplication app, params string[] scopes) =>
        DevTokens.Create(await app.SigningKeyAsync(), scopes, subject: "tests:" + Guid.NewGuid().ToString("N"));
}
