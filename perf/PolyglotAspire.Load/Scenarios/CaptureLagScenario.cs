using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using PolyglotAspire.Contracts;

namespace PolyglotAspire.Load.Scenarios;

/// <summary>
/// Capture lag at steady rates: orders are created through the API at a fixed rate (open loop) while a consumer
/// reads <c>orders.events</c>; for each of our Created events, lag = receive time − the source commit time the relay
/// put in the envelope (PostgreSQL's clock, same machine). That is commit → Kafka ack → consumer fetch, an upper bound
/// of commit → ack (the relay records commit → ack itself as the <c>polyglot.orders.capture.commit_to_ack.duration</c> histogram).
/// </summary>
internal sealed class CaptureLagScenario : IScenario
{
    public string Name => "capture-lag";

    public string Description => "commit → Kafka (consumer receipt) lag p50/p99 of the WAL capture relay at steady write rates";

    public IReadOnlyList<string> Options { get; } = ["rates", "duration", "fetch-wait-ms"];

    public async Task<ScenarioResult> RunAsync(LocalApp app, ScenarioOptions options, CancellationToken cancellationToken)
    {
        var rates = (options.Get("rates") ?? "200,1000,2000").Split(',').Select(r => double.Parse(r, CultureInfo.InvariantCulture)).ToArray();
        var duration = options.GetSeconds("duration", 20);
        var result = new ScenarioResult(Name,
            $"dotnet run -c Release --project perf/PolyglotAspire.Load -- capture-lag --rates {string.Join(',', rates)} --duration {duration.TotalSeconds}");
        var table = result.AddTable("Capture lag (commit → consumer receipt) and API latency at a steady rate",
            "target/s", "achieved/s", "events seen", "lag p50 ms", "lag p99 ms", "lag p99.9 ms", "lag max ms", "POST p50 ms", "POST p99 ms");

        using var warm = new OrderWriteLoad(app, 16, "lag-warmup-");
        await warm.ClosedLoopAsync("warm-up", 8, TimeSpan.FromSeconds(3), cancellationToken);

        var plot = result.AddPlot("lag", "Capture lag: PostgreSQL commit → Kafka consumer");
        foreach (var rate in rates)
        {
            var prefix = $"lag-{rate}-{Guid.NewGuid():N}-"[..24];
            var config = await app.KafkaConfigAsync<ConsumerConfig>();
            config.GroupId = "load-" + Guid.NewGuid().ToString("N");
            config.EnableAutoCommit = false;
            config.FetchWaitMaxMs = options.GetInt("fetch-wait-ms", 5);
            using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
            using (var admin = new DependentAdminClientBuilder(consumer.Handle).Build())
            {
                var partitions = admin.GetMetadata(Topics.OrderEvents, TimeSpan.FromSeconds(10)).Topics.Single().Partitions;
                consumer.Assign(partitions.Select(p =>
                {
                    var tp = new TopicPartition(Topics.OrderEvents, new Partition(p.PartitionId));
                    return new TopicPartitionOffset(tp, consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)).High);
                }));
            }

            var lag = new Latency();
            long seen = 0;
            using var stopConsuming = new CancellationTokenSource();
            var consuming = Task.Factory.StartNew(() =>
            {
                while (!stopConsuming.IsCancellationRequested)
                {
                    var message = consumer.Consume(TimeSpan.FromMilliseconds(100));
                    if (message is null)
                    {
                        continue;
                    }

                    var received = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                    var envelope = OrderEventSerializer.Deserialize(message.Message.Value);
                    if (envelope.EventType == OrderEventType.Created && envelope.CustomerId.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        lag.RecordMicroseconds(((received - envelope.CommitTimeMs) * 1000));
                        Interlocked.Increment(ref seen);
                    }
                }
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

            Console.WriteLine($"rate {rate}/s for {duration.TotalSeconds} s…");
            using var load = new OrderWriteLoad(app, 256, prefix);
            var phase = await load.OpenLoopAsync($"{rate}/s", rate, duration, 256, cancellationToken);
            var wait = Stopwatch.StartNew();
            while (Interlocked.Read(ref seen) < phase.Completed && wait.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(100, cancellationToken);
            }

            await stopConsuming.CancelAsync();
            await consuming;
            consumer.Close();
            table.Row(rate, Math.Round(phase.PerSecond), $"{seen} of {phase.Completed}",
                Math.Round(lag.Ms(50)), Math.Round(lag.Ms(99)), Math.Round(lag.Ms(99.9)),
                Math.Round(lag.MaxMs),
                phase.Latency.Ms(50), phase.Latency.Ms(99));
            plot.Add($"{rate} orders/s", lag);
        }

        result.Notes.Add("Lag uses the envelope's CommitTimeMs (PostgreSQL commit timestamp, truncated to the millisecond) and this process's clock (same machine).");
        result.Notes.Add("Producer settings of the relay: acks=all, one request in flight (per-key order on a broker without idempotence), linger 2 ms; the slot is confirmed every 100 ms, which does not affect this lag.");
        return result;
    }
}
