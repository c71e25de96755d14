namespace Microsoft.Extensions.Hosting;

/// <summary>
/// How a service obtains its own token to call another API (section <c>Authentication:Client</c>). Locally, with the
/// AppHost's signing key, it signs one itself; with an identity provider it uses the OAuth 2.0 client credentials grant
/// (<see cref="TokenEndpoint"/>, <see cref="ClientId"/>, <see cref="ClientSecret"/>, <see cref="Scope"/>, e.g. Entra ID's
/// <c>api://…/.default</c>, whose application permission carries the scope in <c>roles</c>).
/// </summary>
public sealed class ServiceTokenSettings
{
    public const string SectionName = AuthenticationSettings.SectionName + ":Client";

    public Uri? TokenEndpoint { get; set; }

    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    public string? Scope { get; set; }

    public bool IsConfigured => TokenEndpoint is not null && !string.IsNullOrEmpty(ClientId) && !string.IsNullOrEmpty(ClientSecret);
}
