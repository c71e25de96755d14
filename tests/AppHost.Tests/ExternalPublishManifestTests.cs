namespace PolyglotAspire.AppHost.Tests;

/// <summary>
/// Published in external mode (managed PostgreSQL, Event Hubs or Confluent Cloud for Kafka, ClickHouse Cloud): no engine
/// container, every connection string and the Kafka SASL password are secret parameters azd asks for, nothing secret
/// is written into the manifest.
/// </summary>
public sealed class ExternalPublishManifestTests(ExternalPublishedManifest manifest) : IClassFixture<ExternalPublishedManifest>
{
    [Fact]
    public void Only_the_three_services_are_deployed()
    {
        Assert.Equal(["analytics-api", "orders-api", "sync-worker"], manifest.Resources
            .Where(r => r.Value.GetProperty("type").GetString()!.StartsWith("container.", StringComparison.Ordinal)
                || r.Value.GetProperty("type").GetString()!.StartsWith("project.", StringComparison.Ordinal))
            .Select(r => r.Key).Order());
    }

    [Fact]
    public void Connection_strings_and_the_SASL_password_are_secret_parameters()
    {
        foreach (var name in new[] { "ordersdb", "ordersdb-reader", "kafka", "clickhouse-writer", "clickhouse-reader", "kafka-saslpassword" })
        {
            var parameter = manifest.Resources[name];
            Assert.Equal("parameter.v0", parameter.GetProperty("type").GetString());
            Assert.True(parameter.GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean(), $"{name} must be secret");
        }

        Assert.DoesNotContain(ExternalPublishedManifest.SaslPassword, manifest.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Services_get_the_Kafka_settings_with_the_password_as_a_reference()
    {
        var orders = manifest.Resources["orders-api"].GetProperty("env");
        Assert.Equal("SaslSsl", orders.GetProperty("Aspire__Confluent__Kafka__Producer__Config__SecurityProtocol").GetString());
        Assert.Equal("{kafka-saslpassword.value}", orders.GetProperty("Aspire__Confluent__Kafka__Producer__Config__SaslPassword").GetString());
        Assert.Equal("{kafka-saslpassword.value}", manifest.Resources["sync-worker"].GetProperty("env")
            .GetProperty("Aspire__Confluent__Kafka__Consumer__Config__SaslPassword").GetString());
        Assert.Equal("{clickhouse-reader.connectionString}", manifest.Resources["analytics-api"].GetProperty("env")
            .GetProperty("ConnectionStrings__clickhouse").GetString());
    }
}
