namespace PolyglotAspire.AppHost.Infrastructure;

/// <summary>
/// The <c>clickhouse</c> connection services use, as a child of the server that answers ClickHouse's HTTP
/// interface (in local mode the ClickHouse.Emulator project). State and health come from the parent.
/// </summary>
public sealed class ClickHouseConnectionResource(string name, IResourceWithEndpoints parent, string endpointName)
    : Resource(name), IResourceWithParent, IResourceWithConnectionString
{
    public IResource Parent { get; } = parent;

    public EndpointReference Endpoint { get; } = new(parent, endpointName);

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={Endpoint.Property(EndpointProperty.Host)};Port={Endpoint.Property(EndpointProperty.Port)};Protocol=http");
}
