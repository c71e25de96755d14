using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// This service's own bearer token for calls to another API (<see cref="SecurityExtensions.AddServiceToken"/>). Locally
/// the token is signed with the AppHost's key (subject <c>service:&lt;application&gt;</c>); with an identity provider it
/// comes from the client credentials grant. Reused until a minute before it expires. Without either, null (the call goes
/// without a token and the callee answers 401).
/// </summary>
public sealed partial class ServiceTokenSource(
    IOptions<AuthenticationSettings> settings,
    IOptions<ServiceTokenSettings> client,
    IHostEnvironment environment,
    TimeProvider time,
    ILogger<ServiceTokenSource> logger,
    IReadOnlyList<string> scopes) : IDisposable
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan RenewBefore = TimeSpan.FromMinutes(1);
    private readonly SemaphoreSlim _renewing = new(1, 1);
    private (string Token, DateTimeOffset Expires)? _current;

    public IReadOnlyList<string> Scopes { get; } = scopes;

    public async Task<string?> GetTokenAsync(CancellationToken cancellationToken)
    {
        if (_current is { } current && current.Expires - RenewBefore > time.GetUtcNow())
        {
            return current.Token;
        }

        await _renewing.WaitAsync(cancellationToken);
        try
        {
            if (_current is { } renewed && renewed.Expires - RenewBefore > time.GetUtcNow())
            {
                return renewed.Token;
            }

            _current = await AcquireAsync(cancellationToken);
            return _current?.Token;
        }
        finally
        {
            _renewing.Release();
        }
    }

    private async Task<(string, DateTimeOffset)?> AcquireAsync(CancellationToken cancellationToken)
    {
        var auth = settings.Value;
        var now = time.GetUtcNow();
        if (!auth.UsesAuthority && !string.IsNullOrEmpty(auth.SigningKey))
        {
            var token = DevTokens.Create(auth.SigningKey, Scopes, "service:" + environment.ApplicationName, Lifetime, auth.Issuer, auth.Audience, now);
            return (token, now + Lifetime);
        }

        var credentials = client.Value;
        if (!credentials.IsConfigured)
        {
            LogNoCredentials(logger, ServiceTokenSettings.SectionName);
            return null;
        }

        // The client credentials grant (RFC 6749 §4.4), on a plain HttpClient: never this handler's own pipeline.
        using var http = new HttpClient();
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = credentials.ClientId!,
            ["client_secret"] = credentials.ClientSecret!,
            ["scope"] = credentials.Scope ?? string.Join(' ', Scopes),
        });
        using var response = await http.PostAsync(credentials.TokenEndpoint, form, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        var accessToken = body.RootElement.GetProperty("access_token").GetString()!;
        var expiresIn = body.RootElement.TryGetProperty("expires_in", out var e) && e.TryGetInt32(out var seconds) ? seconds : 300;
        return (accessToken, now + TimeSpan.FromSeconds(expiresIn));
    }

    public void Dispose() => _renewing.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "No token for a service-to-service call: an identity provider is configured but {Section} (TokenEndpoint, ClientId, ClientSecret) is not")]
    private static partial void LogNoCredentials(ILogger logger, string section);
}
