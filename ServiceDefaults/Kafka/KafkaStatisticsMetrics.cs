using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Turns librdkafka's periodic statistics JSON (statistics.interval.ms) into OpenTelemetry instruments:
/// queue depth, messages sent/received and consumer lag per partition, tagged with the client name.
/// </summary>
public sealed class KafkaStatisticsMetrics : IDisposable
{
    public const string MeterName = Extensions.TelemetryPrefix + "Kafka";

    private readonly ConcurrentDictionary<string, ClientStatistics> _clients = new();
    private readonly Meter _meter;

    public KafkaStatisticsMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _meter.CreateObservableGauge("kafka.client.queue.messages", () => Observe(s => s.QueuedMessages),
            "{message}", "Messages waiting in the client queue (producer: not yet acknowledged; consumer: prefetched).");
        _meter.CreateObservableCounter("kafka.client.messages.sent", () => Observe(s => s.SentMessages),
            "{message}", "Messages sent to brokers.");
        _meter.CreateObservableCounter("kafka.client.messages.received", () => Observe(s => s.ReceivedMessages),
            "{message}", "Messages received from brokers.");
        _meter.CreateObservableGauge("kafka.consumer.lag", ObserveLag,
            "{message}", "Messages between the committed offset and the partition end.");
    }

    /// <summary>Called on librdkafka's statistics thread, once per interval and client: allocation here is fine.</summary>
    public void Record(string role, string json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return;
        }

        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var name = root.GetProperty("name").GetString() ?? role;
        var lags = new List<(string Topic, int Partition, long Lag)>();
        if (root.TryGetProperty("topics", out var topics))
        {
            foreach (var topic in topics.EnumerateObject())
            {
                foreach (var partition in topic.Value.GetProperty("partitions").EnumerateObject())
                {
                    var id = partition.Value.GetProperty("partition").GetInt32();
                    // -1 is librdkafka's internal UA partition; lag -1 means "unknown".
                    if (id >= 0 && partition.Value.TryGetProperty("consumer_lag", out var lag) && lag.GetInt64() >= 0)
                    {
                        lags.Add((topic.Name, id, lag.GetInt64()));
                    }
                }
            }
        }

        _clients[name] = new ClientStatistics(
            role,
            root.GetProperty("msg_cnt").GetInt64(),
            root.GetProperty("txmsgs").GetInt64(),
            root.GetProperty("rxmsgs").GetInt64(),
            role == "consumer" ? lags : []);
    }

    private IEnumerable<Measurement<long>> Observe(Func<ClientStatistics, long> value) =>
        _clients.Select(c => new Measurement<long>(value(c.Value),
            new KeyValuePair<string, object?>("kafka.client", c.Key),
            new KeyValuePair<string, object?>("kafka.role", c.Value.Role)));

    private IEnumerable<Measurement<long>> ObserveLag() =>
        _clients.SelectMany(c => c.Value.Lags.Select(l => new Measurement<long>(l.Lag,
            new KeyValuePair<string, object?>("kafka.client", c.Key),
            new KeyValuePair<string, object?>("messaging.destination.name", l.Topic),
            new KeyValuePair<string, object?>("messaging.destination.partition.id", l.Partition))));

    public void Dispose() => _meter.Dispose();

    private sealed record ClientStatistics(
        string Role, long QueuedMessages, long SentMessages, long ReceivedMessages,
        IReadOnlyList<(string Topic, int Partition, long Lag)> Lags);
}
