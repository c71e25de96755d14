using System.Net.Http.Headers;

namespace Microsoft.Extensions.Hosting;

/// <summary>Puts <see cref="ServiceTokenSource"/>'s token on every request of the HTTP client it is added to.</summary>
public sealed class ServiceTokenHandler(ServiceTokenSource source) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (await source.GetTokenAsync(cancellationToken) is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await base.SendAsync(request, cancellationToken);
    }
}
