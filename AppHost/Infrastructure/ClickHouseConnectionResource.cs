namespace PolyglotAspire.AppHost.Infrastructure;

/// <summary>
/// A connection to the ClickHouse server as one of its users, in the <see cref="ClickHouseAccess.Database"/>
/// database: what a service references (as its <c>clickhouse</c> connection string). State and health come from the
/// server it is a child of.
/// </summary>
public sealed class ClickHouseConnectionResource(string name, IResourceWithEndpoints server, string endpointName, string user, ParameterResource password)
    : Resource(name), IResourceWithParent, IResourceWithConnectionString
{
    public IResource Parent { get; } = server;

    public EndpointReference Endpoint { get; } = new(server, endpointName);

    public string User { get; } = user;

    public ParameterResource Password { get; } = password;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={Endpoint.Property(EndpointProperty.Host)};Port={Endpoint.Property(EndpointProperty.Port)};Protocol=http;Username={User};Password={Password};Database={ClickHouseAccess.Database}");
}
