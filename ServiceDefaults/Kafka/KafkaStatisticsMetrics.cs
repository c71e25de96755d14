using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// librdkafka's statistics (statistics.interval.ms) as the instruments Aspire.Confluent.Kafka makes of them: the same
/// meter, instrument and tag names, so dashboards survive swapping this stand-in for the real integration. There,
/// this statistics meter is opt-in (AppContext switch <c>EnableAspire8ConfluentKafkaMetrics</c>); its default is
/// OpenTelemetry.Instrumentation.ConfluentKafka's per-message instruments, which this stand-in does not emit
/// (<c>docs/observability.md</c>). Like Aspire's, the instruments declare no unit.
/// </summary>
public sealed class KafkaStatisticsMetrics : IDisposable
{
    public const string MeterName = "Aspire.Confluent.Kafka";

    /// <summary>Gauges (latest value per client): librdkafka's <c>replyq</c>, <c>msg_cnt</c>, <c>msg_size</c>.</summary>
    public const string ConsumerQueueMessageCount = "messaging.kafka.consumer.queue.message_count";
    public const string ProducerQueueMessageCount = "messaging.kafka.producer.queue.message_count";
    public const string ProducerQueueSize = "messaging.kafka.producer.queue.size";

    /// <summary>Counters, from the growth of librdkafka's totals between two statistics.</summary>
    public const string NetworkTx = "messaging.kafka.network.tx";
    public const string NetworkTransmitted = "messaging.kafka.network.transmitted";
    public const string NetworkRx = "messaging.kafka.network.rx";
    public const string NetworkReceived = "messaging.kafka.network.received";
    public const string PublishMessages = "messaging.publish.messages";
    public const string MessageTransmitted = "messaging.kafka.message.transmitted";
    public const string ReceiveMessages = "messaging.receive.messages";
    public const string MessageReceived = "messaging.kafka.message.received";

    /// <summary>Tags: the configured <c>client.id</c>, the client instance's name (e.g. <c>rdkafka#producer-1</c>), and (counters only) its type.</summary>
    public const string ClientIdTag = "messaging.client_id";
    public const string NameTag = "name";
    public const string TypeTag = "type";

    private readonly ConcurrentDictionary<string, Totals> _previous = new();
    private readonly ConcurrentDictionary<string, Queues> _queues = new();
    private readonly Meter _meter;
    private readonly Counter<long> _tx, _txBytes, _rx, _rxBytes, _txMessages, _txMessageBytes, _rxMessages, _rxMessageBytes;

    public KafkaStatisticsMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _meter.CreateObservableGauge(ConsumerQueueMessageCount, () => Observe(q => q.ReplyQueue),
            description: "Operations (callbacks, events) waiting for the application to poll them.");
        _meter.CreateObservableGauge(ProducerQueueMessageCount, () => Observe(q => q.Messages),
            description: "Messages in the producer's queues.");
        _meter.CreateObservableGauge(ProducerQueueSize, () => Observe(q => q.Bytes),
            description: "Bytes of the messages in the producer's queues.");
        _tx = _meter.CreateCounter<long>(NetworkTx, description: "Requests sent to brokers.");
        _txBytes = _meter.CreateCounter<long>(NetworkTransmitted, description: "Bytes sent to brokers.");
        _rx = _meter.CreateCounter<long>(NetworkRx, description: "Responses received from brokers.");
        _rxBytes = _meter.CreateCounter<long>(NetworkReceived, description: "Bytes received from brokers.");
        _txMessages = _meter.CreateCounter<long>(PublishMessages, description: "Messages produced to brokers.");
        _txMessageBytes = _meter.CreateCounter<long>(MessageTransmitted, description: "Message bytes produced to brokers, framing included.");
        _rxMessages = _meter.CreateCounter<long>(ReceiveMessages, description: "Messages consumed from brokers (ignored ones excluded).");
        _rxMessageBytes = _meter.CreateCounter<long>(MessageReceived, description: "Message bytes consumed from brokers, framing included.");
    }

    /// <summary>
    /// One statistics JSON of one client, on the thread librdkafka calls back on (once per interval: allocation is
    /// fine). A client's callbacks never overlap, so its previous totals need no lock.
    /// </summary>
    public void Record(string json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return;
        }

        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (!root.TryGetProperty("name", out var nameProperty) || nameProperty.GetString() is not { } name)
        {
            return;
        }

        var clientId = root.TryGetProperty("client_id", out var id) ? id.GetString() : null;
        _queues[name] = new Queues(clientId, Long(root, "replyq"), Long(root, "msg_cnt"), Long(root, "msg_size"));

        var totals = new Totals(Long(root, "tx"), Long(root, "tx_bytes"), Long(root, "rx"), Long(root, "rx_bytes"),
            Long(root, "txmsgs"), Long(root, "txmsg_bytes"), Long(root, "rxmsgs"), Long(root, "rxmsg_bytes"));
        var previous = _previous.TryGetValue(name, out var p) ? p : default;
        _previous[name] = totals;

        var tags = new TagList
        {
            { ClientIdTag, clientId },
            { NameTag, name },
            { TypeTag, root.TryGetProperty("type", out var type) ? type.GetString() : null },
        };
        _tx.Add(totals.Tx - previous.Tx, tags);
        _txBytes.Add(totals.TxBytes - previous.TxBytes, tags);
        _rx.Add(totals.Rx - previous.Rx, tags);
        _rxBytes.Add(totals.RxBytes - previous.RxBytes, tags);
        _txMessages.Add(totals.TxMessages - previous.TxMessages, tags);
        _txMessageBytes.Add(totals.TxMessageBytes - previous.TxMessageBytes, tags);
        _rxMessages.Add(totals.RxMessages - previous.RxMessages, tags);
        _rxMessageBytes.Add(totals.RxMessageBytes - previous.RxMessageBytes, tags);
    }

    public void Dispose() => _meter.Dispose();

    private static long Long(JsonElement root, string property) =>
        root.TryGetProperty(property, out var value) && value.TryGetInt64(out var number) ? number : 0;

    private IEnumerable<Measurement<long>> Observe(Func<Queues, long> value) =>
        _queues.Select(c => new Measurement<long>(value(c.Value),
            new KeyValuePair<string, object?>(ClientIdTag, c.Value.ClientId),
            new KeyValuePair<string, object?>(NameTag, c.Key)));

    private readonly record struct Queues(string? ClientId, long ReplyQueue, long Messages, long Bytes);

    private readonly record struct Totals(
        long Tx, long TxBytes, long Rx, long RxBytes, long TxMessages, long TxMessageBytes, long RxMessages, long RxMessageBytes);
}
