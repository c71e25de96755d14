using System.Net.Http.Headers;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace PolyglotAspire.Testing;

/// <summary>
/// Puts a bearer token with every scope on requests to the app's services (<see cref="AppTokens.Services"/>) that carry
/// no <c>Authorization</c> of their own; requests to anything else (engines, health checks of other resources) go as they were.
/// </summary>
internal sealed class AppBearerHandler(IServiceProvider services) : DelegatingHandler
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);
    private (string Token, DateTimeOffset Renew)? _current;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Headers.Authorization is null && request.RequestUri is { } uri && IsService(uri))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(cancellationToken));
        }

        return await base.SendAsync(request, cancellationToken);
    }

    private bool IsService(Uri uri) =>
        services.GetRequiredService<DistributedApplicationModel>().Resources
            .Where(r => AppTokens.Services.Contains(r.Name))
            .SelectMany(r => r.Annotations.OfType<EndpointAnnotation>())
            .Any(e => e.AllocatedEndpoint is { } allocated && allocated.Port == uri.Port);

    private async Task<string> TokenAsync(CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        if (_current is { } current && current.Renew > now)
        {
            return current.Token;
        }

        var key = await AppTokens.SigningKeyAsync(services, cancellationToken);
        var token = DevTokens.Create(key, PolyglotScopes.All, subject: "tests", lifetime: Lifetime, now: now);
        _current = (token, now + Lifetime / 2);
        return token;
    }
}
