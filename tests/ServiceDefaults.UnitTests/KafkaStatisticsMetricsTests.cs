using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace PolyglotAspire.ServiceDefaults.UnitTests;

/// <summary>
/// The Kafka stand-in emits what Aspire.Confluent.Kafka's statistics metrics emit (dotnet/aspire
/// src/Components/Aspire.Confluent.Kafka: ConfluentKafkaMetrics, MetricsService): meter, instrument names, tags,
/// counters as the growth of librdkafka's totals.
/// </summary>
public sealed class KafkaStatisticsMetricsTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly List<(string Instrument, long Value, Dictionary<string, object?> Tags)> _measurements = [];
    private readonly MeterListener _listener = new();
    private readonly KafkaStatisticsMetrics _metrics;

    public KafkaStatisticsMetricsTests()
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == factory)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            _measurements.Add((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value))));
        _listener.Start();
        _metrics = new KafkaStatisticsMetrics(factory);
    }

    [Fact]
    public void It_is_Aspire_Confluent_Kafka_s_meter_with_its_instrument_names_and_no_units()
    {
        var instruments = new List<(string Meter, string Name, string? Unit, string Kind)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) => instruments.Add((instrument.Meter.Name, instrument.Name, instrument.Unit, instrument.GetType().Name.Split('`')[0])),
        };
        listener.Start();
        using var metrics = new KafkaStatisticsMetrics(_services.GetRequiredService<IMeterFactory>());

        Assert.Equal(
        [
            ("Aspire.Confluent.Kafka", "messaging.kafka.consumer.queue.message_count", null, "ObservableGauge"),
            ("Aspire.Confluent.Kafka", "messaging.kafka.message.received", null, "Counter"),
            ("Aspire.Confluent.Kafka", "messaging.kafka.message.transmitted", null, "Counter"),
            ("Aspire.Confluent.Kafka", "messaging.kafka.network.received", null, "Counter"),
            ("Aspire.Confluent.Kafka", "messaging.kafka.network.rx", null, "Counter"),
            ("Aspire.Confluent.Kafka", "messaging.kafka.network.transmitted", null, "Counter"),
            ("Aspire.Confluent.Kafka", "messaging.kafka.network.tx", null, "Counter"),
            ("Aspire.Confluent.Kafka", "messaging.kafka.producer.queue.message_count", null, "ObservableGauge"),
            ("Aspire.Confluent.Kafka", "messaging.kafka.producer.queue.size", null, "ObservableGauge"),
            ("Aspire.Confluent.Kafka", "messaging.publish.messages", null, "Counter"),
            ("Aspire.Confluent.Kafka", "messaging.receive.messages", null, "Counter"),
        ], instruments.Where(i => i.Meter == KafkaStatisticsMetrics.MeterName).Distinct().OrderBy(i => i.Name, StringComparer.Ordinal));
    }

    [Fact]
    public void Counters_add_what_librdkafka_s_totals_grew_by_tagged_with_client_id_name_and_type()
    {
        _metrics.Record(Statistics("rdkafka#producer-1", "producer", txmsgs: 10, txBytes: 1_000, replyq: 3, msgCnt: 7, msgSize: 700));
        _metrics.Record(Statistics("rdkafka#producer-1", "producer", txmsgs: 25, txBytes: 2_500, replyq: 1, msgCnt: 2, msgSize: 200));

        Assert.Equal([10L, 15L], Values("messaging.publish.messages"));
        Assert.Equal([1_000L, 1_500L], Values("messaging.kafka.network.transmitted"));
        Assert.Equal([0L, 0L], Values("messaging.receive.messages"));
        var tags = _measurements.First(m => m.Instrument == "messaging.publish.messages").Tags;
        Assert.Equal(new Dictionary<string, object?> { ["messaging.client_id"] = "orders-capture-relay", ["name"] = "rdkafka#producer-1", ["type"] = "producer" }, tags);

        _listener.RecordObservableInstruments();
        var gauges = _measurements.Where(m => m.Instrument.Contains(".queue.", StringComparison.Ordinal)).ToList();
        Assert.Equal(1, Assert.Single(gauges, m => m.Instrument == "messaging.kafka.consumer.queue.message_count").Value);
        Assert.Equal(2, Assert.Single(gauges, m => m.Instrument == "messaging.kafka.producer.queue.message_count").Value);
        Assert.Equal(200, Assert.Single(gauges, m => m.Instrument == "messaging.kafka.producer.queue.size").Value);
        Assert.All(gauges, g => Assert.Equal(new Dictionary<string, object?> { ["messaging.client_id"] = "orders-capture-relay", ["name"] = "rdkafka#producer-1" }, g.Tags));
    }

    [Fact]
    public void Clients_are_counted_apart_by_instance_name()
    {
        _metrics.Record(Statistics("rdkafka#consumer-1", "consumer", rxmsgs: 5));
        _metrics.Record(Statistics("rdkafka#consumer-2", "consumer", rxmsgs: 7));
        _metrics.Record(Statistics("rdkafka#consumer-1", "consumer", rxmsgs: 6));

        Assert.Equal([5L, 7L, 1L], Values("messaging.receive.messages"));
    }

    [Fact]
    public void A_payload_without_a_client_name_is_ignored()
    {
        _metrics.Record("""{"type":"producer","txmsgs":3}""");
        _metrics.Record("");

        Assert.Empty(_measurements);
    }

    public void Dispose()
    {
        _listener.Dispose();
        _metrics.Dispose();
        _services.Dispose();
    }

    private List<long> Values(string instrument) => _measurements.Where(m => m.Instrument == instrument).Select(m => m.Value).ToList();

    /// <summary>The top of librdkafka's statistics JSON (STATISTICS.md), with the fields the metrics read.</summary>
    private static string Statistics(string name, string type, long txmsgs = 0, long txBytes = 0, long rxmsgs = 0, long replyq = 0, long msgCnt = 0, long msgSize = 0) =>
        $$"""
        {"name":"{{name}}","client_id":"orders-capture-relay","type":"{{type}}","ts":1,"time":1,"age":1,"replyq":{{replyq}},
         "msg_cnt":{{msgCnt}},"msg_size":{{msgSize}},"msg_max":100000,"msg_size_max":1073741824,"simple_cnt":0,"metadata_cache_cnt":1,
         "brokers":{},"topics":{},"tx":{{txmsgs}},"tx_bytes":{{txBytes}},"rx":{{rxmsgs}},"rx_bytes":0,"txmsgs":{{txmsgs}},"txmsg_bytes":{{txBytes}},
         "rxmsgs":{{rxmsgs}},"rxmsg_bytes":0}
        """;
}
