using Microsoft.Extensions.Configuration;

namespace PolyglotAspire.AppHost.Security;

/// <summary>
/// Which <c>Host</c> headers the APIs answer (ASP.NET Core host filtering). Their <c>appsettings.json</c> allows only
/// <c>localhost</c>/<c>127.0.0.1</c> (all a local run needs); published, <see cref="AllowedHostsName"/> says which names
/// the deployment has (e.g. <c>orders-api.&lt;env&gt;.azurecontainerapps.io;analytics-api;analytics-api.&lt;env&gt;.azurecontainerapps.io</c>),
/// never <c>*</c> by default.
/// </summary>
public static class ApiHosts
{
    public const string AllowedHostsName = "api-allowed-hosts";

    public static ParameterResource? Add(IDistributedApplicationBuilder builder) =>
        builder.ExecutionContext.IsPublishMode
            ? builder.AddParameter(AllowedHostsName)
                .WithDescription("Host names the APIs answer, ';'-separated (their public FQDNs, and analytics-api for Orders.Api's calls)").Resource
            : null;

    public static IResourceBuilder<T> WithAllowedHosts<T>(this IResourceBuilder<T> api, ParameterResource? allowedHosts) where T : IResourceWithEnvironment =>
        allowedHosts is null ? api : api.WithEnvironment("AllowedHosts", allowedHosts);

    /// <summary>
    /// Settings of a section given to the AppHost (e.g. by the load harness: <c>RateLimiting:Writes:TokenLimit=1000000</c>)
    /// passed on to a service as its own configuration.
    /// </summary>
    public static IResourceBuilder<T> WithSection<T>(this IResourceBuilder<T> service, IConfiguration configuration, string section) where T : IResourceWithEnvironment
    {
        foreach (var setting in configuration.GetSection(section).AsEnumerable().Where(s => s.Value is not null))
        {
            service.WithEnvironment(setting.Key.Replace(":", "__", StringComparison.Ordinal), setting.Value);
        }

        return service;
    }
}
