namespace Microsoft.Extensions.Hosting;

/// <summary>
/// How an API validates bearer tokens (section <c>Authentication</c>). Either a real identity provider
/// (<see cref="Authority"/>, e.g. Entra ID, whose signing keys come from its metadata) or, for local runs, the AppHost's
/// symmetric <see cref="SigningKey"/> (<c>eng/dev-token.sh</c> signs with it). With an authority the symmetric key is never
/// accepted; with neither the service refuses to start.
/// </summary>
public sealed class AuthenticationSettings
{
    public const string SectionName = "Authentication";

    /// <summary>The issuer of tokens signed with <see cref="SigningKey"/> (<c>eng/dev-token.sh</c>'s default).</summary>
    public const string DevIssuer = "polyglot-aspire-dev";

    /// <summary>The audience both APIs accept unless <see cref="Audience"/> says otherwise.</summary>
    public const string DefaultAudience = "polyglot-aspire";

    /// <summary>Shortest symmetric key accepted: HMAC-SHA256 wants at least 256 bits; 43 random alphanumerics carry them.</summary>
    public const int MinSigningKeyLength = 43;

    /// <summary>The identity provider (OpenID Connect authority), e.g. <c>https://login.microsoftonline.com/{tenant}/v2.0</c>.</summary>
    public string? Authority { get; set; }

    /// <summary>The audience tokens must be issued for (an Entra ID application ID URI or client id in production).</summary>
    public string Audience { get; set; } = DefaultAudience;

    /// <summary>Local mode only: the HMAC-SHA256 key (the AppHost's <c>auth-signing-key</c> parameter). Ignored with an authority.</summary>
    public string? SigningKey { get; set; }

    /// <summary>The issuer of symmetric-key tokens.</summary>
    public string Issuer { get; set; } = DevIssuer;

    /// <summary>Tolerance on <c>exp</c>/<c>nbf</c> for clocks that disagree a little.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The authority's metadata must be fetched over HTTPS (turn off only for a local test identity provider).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>True when tokens come from an identity provider rather than the local signing key.</summary>
    public bool UsesAuthority => !string.IsNullOrWhiteSpace(Authority);
}
