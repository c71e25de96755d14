namespace PolyglotAspire.AppHost.Infrastructure.Containers;

/// <summary>A single-node KRaft Kafka broker (apache/kafka image): host listener + container-network listener.</summary>
public sealed class KafkaContainerResource(string name) : ContainerResource(name), IResourceWithConnectionString
{
    public const string Image = "apache/kafka";
    public const string Tag = "4.1.0";
    public const string PrimaryEndpointName = "tcp";
    public const string InternalEndpointName = "internal";
    public const int BrokerPort = 9092;
    public const int InternalPort = 9093;
    public const int ControllerPort = 9094;

    public EndpointReference PrimaryEndpoint => new(this, PrimaryEndpointName);

    public EndpointReference InternalEndpoint => new(this, InternalEndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.HostAndPort)}");
}
