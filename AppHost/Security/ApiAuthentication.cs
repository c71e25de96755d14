namespace PolyglotAspire.AppHost.Security;

/// <summary>
/// How the APIs validate bearer tokens, given to them as configuration (<c>Authentication__*</c>, ServiceDefaults'
/// <c>AuthenticationSettings</c>):
/// <list type="bullet">
/// <item>Run mode, by default: a symmetric key, <see cref="SigningKeyName"/>, generated once and kept in the AppHost's
/// user secrets (<c>Parameters:auth-signing-key</c>) — <c>eng/dev-token.sh</c> reads the same secret (or creates it first).</item>
/// <item>Published, or run with <c>Parameters:auth-authority</c> set: a real identity provider (Entra ID) from the
/// <see cref="AuthorityName"/> and <see cref="AudienceName"/> parameters; no symmetric key exists then. Orders.Api calls
/// Analytics.Api with its own client-credentials token (<see cref="ClientIdName"/>, <see cref="ClientSecretName"/>,
/// <see cref="TokenEndpointName"/>).</item>
/// </list>
/// </summary>
public sealed class ApiAuthentication
{
    public const string SigningKeyName = "auth-signing-key";
    public const string AuthorityName = "auth-authority";
    public const string AudienceName = "auth-audience";
    public const string TokenEndpointName = "auth-token-endpoint";
    public const string ClientIdName = "orders-api-client-id";
    public const string ClientSecretName = "orders-api-client-secret";

    /// <summary>64 alphanumerics: ≈ 380 bits, above HMAC-SHA256's 256, and nothing a shell or a JSON file must escape.</summary>
    public const int SigningKeyLength = 64;

    private ApiAuthentication(ParameterResource? signingKey, ParameterResource? authority, ParameterResource? audience,
        ParameterResource? tokenEndpoint, ParameterResource? clientId, ParameterResource? clientSecret)
    {
        SigningKey = signingKey;
        Authority = authority;
        Audience = audience;
        TokenEndpoint = tokenEndpoint;
        ClientId = clientId;
        ClientSecret = clientSecret;
    }

    /// <summary>The local symmetric key; null with an identity provider.</summary>
    public ParameterResource? SigningKey { get; }

    public ParameterResource? Authority { get; }

    public ParameterResource? Audience { get; }

    public ParameterResource? TokenEndpoint { get; }

    public ParameterResource? ClientId { get; }

    public ParameterResource? ClientSecret { get; }

    public static ApiAuthentication Add(IDistributedApplicationBuilder builder)
    {
        var useAuthority = builder.ExecutionContext.IsPublishMode
                           || !string.IsNullOrWhiteSpace(builder.Configuration[$"Parameters:{AuthorityName}"]);
        if (!useAuthority)
        {
            var key = ParameterResourceBuilderExtensions.CreateGeneratedParameter(builder, SigningKeyName, secret: true,
                new GenerateParameterDefault { MinLength = SigningKeyLength, Special = false });
            // In the model (a secret parameter, masked on the dashboard) so that whoever holds the app can mint tokens
            // with it the way eng/dev-token.sh does: tests, the load harness.
            builder.AddResource(key);
            return new ApiAuthentication(key, null, null, null, null, null);
        }

        return new ApiAuthentication(
            null,
            builder.AddParameter(AuthorityName).WithDescription("OpenID Connect authority of the identity provider, e.g. https://login.microsoftonline.com/<tenant>/v2.0").Resource,
            builder.AddParameter(AudienceName).WithDescription("Audience the APIs accept: the APIs' application ID URI (api://…) or client id").Resource,
            builder.AddParameter(TokenEndpointName).WithDescription("OAuth 2.0 token endpoint for Orders.Api's own token to Analytics.Api, e.g. https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token").Resource,
            builder.AddParameter(ClientIdName).WithDescription("Orders.Api's client id (an application granted the analytics:read application permission)").Resource,
            builder.AddParameter(ClientSecretName, secret: true).WithDescription("Orders.Api's client secret").Resource);
    }

    /// <summary>Gives an API what it needs to validate tokens (and nothing that lets it be something else).</summary>
    public IResourceBuilder<T> ValidateTokens<T>(IResourceBuilder<T> api) where T : IResourceWithEnvironment
    {
        if (SigningKey is not null)
        {
            return api.WithEnvironment("Authentication__SigningKey", SigningKey);
        }

        return api
            .WithEnvironment("Authentication__Authority", Authority!)
            .WithEnvironment("Authentication__Audience", Audience!);
    }

    /// <summary>Lets a service obtain its own token from the identity provider (with a signing key it signs its own).</summary>
    public IResourceBuilder<T> WithClientCredentials<T>(IResourceBuilder<T> service) where T : IResourceWithEnvironment
    {
        if (SigningKey is not null)
        {
            return service;
        }

        return service
            .WithEnvironment("Authentication__Client__TokenEndpoint", TokenEndpoint!)
            .WithEnvironment("Authentication__Client__ClientId", ClientId!)
            .WithEnvironment("Authentication__Client__ClientSecret", ClientSecret!)
            .WithEnvironment("Authentication__Client__Scope", ReferenceExpression.Create($"{Audience!}/.default"));
    }
}
