namespace PolyglotAspire.AppHost.Tests;

/// <summary>The manifest published in external mode, with Event Hubs-style Kafka settings (a SASL password among them).</summary>
public sealed class ExternalPublishedManifest : PublishedManifest
{
    public const string SaslPassword = "Endpoint=sb://example.servicebus.windows.net/;SharedAccessKey=not-in-the-manifest";

    protected override string[] Configuration =>
    [
        "Infrastructure:Mode=external",
        "Infrastructure:External:KafkaClientConfig:SecurityProtocol=SaslSsl",
        "Infrastructure:External:KafkaClientConfig:SaslMechanism=Plain",
        "Infrastructure:External:KafkaClientConfig:SaslUsername=$ConnectionString",
        $"Infrastructure:External:KafkaClientConfig:SaslPassword={SaslPassword}",
    ];
}
