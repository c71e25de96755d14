namespace PolyglotAspire.AppHost.Infrastructure.Containers;

/// <summary>The official ClickHouse server image; services talk to its HTTP interface.</summary>
public sealed class ClickHouseServerResource(string name, ParameterResource password) : ContainerResource(name), IResourceWithConnectionString
{
    public const string Image = "clickhouse/clickhouse-server";
    public const string Tag = "25.8";
    public const string HttpEndpointName = "http";
    public const int HttpPort = 8123;
    public const string UserName = "default";

    public ParameterResource PasswordParameter { get; } = password;

    public EndpointReference HttpEndpoint => new(this, HttpEndpointName);

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={HttpEndpoint.Property(EndpointProperty.Host)};Port={HttpEndpoint.Property(EndpointProperty.Port)};Protocol=http;Username={UserName};Password={PasswordParameter}");
}
