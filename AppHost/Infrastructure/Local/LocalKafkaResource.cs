namespace PolyglotAspire.AppHost.Infrastructure.Local;

/// <summary>
/// ZooKeeper + Apache Kafka 0.9.0.1 run by <c>eng/local/kafka.sh</c> as one executable: ZooKeeper is an
/// implementation detail of this broker version (modern Kafka uses KRaft), so the app model stays the same
/// as in containers mode.
/// </summary>
public sealed class LocalKafkaResource(string name, string scriptsDirectory)
    : ExecutableResource(name, "bash", scriptsDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";
    public const string ZooKeeperEndpointName = "zookeeper";

    public EndpointReference PrimaryEndpoint => new(this, EndpointName);

    public EndpointReference ZooKeeperEndpoint => new(this, ZooKeeperEndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"127.0.0.1:{PrimaryEndpoint.Property(EndpointProperty.Port)}");
}
