using System.Globalization;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using PolyglotAspire.SyncWorker.ClickHouse;
using PolyglotAspire.SyncWorker.Encoding;

namespace PolyglotAspire.SyncWorker.DeadLetters;

/// <summary>
/// Replays <c>orders.events.dlq</c> into <c>orders</c> (<c>POST /api/admin/dead-letters/replay</c>), one at a time, in the
/// request: its own consumer group (<see cref="ConsumerGroup"/>) reads every partition from its committed position (or
/// the beginning) up to the end it had when the replay started, runs each original envelope through the pipeline's own
/// transcoder, inserts the rows, and only then commits its offsets. Exactly once in effect: a row is an event's
/// version, so one replayed twice (a crash before the commit, or <c>fromBeginning</c>) collapses with itself, and one
/// older than what ClickHouse holds loses. A letter still undecodable stays in the topic and is reported with why.
/// </summary>
internal sealed partial class DeadLetterReplayer(
    IConfiguration configuration, IClickHouseSink sink, IOptions<SyncWorkerOptions> options, TimeProvider time, ILogger<DeadLetterReplayer> logger)
{
    public const string ConsumerGroup = "sync-worker-dlq-replay";
    private const int ListedLetters = 100;
    private static readonly TimeSpan BrokerTimeout = TimeSpan.FromSeconds(10);

    private int _running;
    private ReplayResult _last = ReplayResult.Never;

    public ReplayResult Last => Volatile.Read(ref _last);

    /// <summary>Runs a replay; null when one is already running.</summary>
    public async Task<ReplayResult?> ReplayAsync(ReplayRequest request, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            return null;
        }

        try
        {
            var started = time.GetUtcNow();
            ReplayResult result;
            try
            {
                // librdkafka's calls block: off the request's thread.
                result = await Task.Run(() => Replay(request, started, cancellationToken), cancellationToken);
            }
            catch (Exception ex) when (ex is KafkaException or InvalidOperationException)
            {
                LogFailed(logger, ex);
                result = ReplayResult.Never with { State = "failed", FromBeginning = request.FromBeginning, StartedAt = started, FinishedAt = time.GetUtcNow(), Error = ex.Message };
            }

            Volatile.Write(ref _last, result);
            return result;
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    private ReplayResult Replay(ReplayRequest request, DateTimeOffset started, CancellationToken cancellationToken)
    {
        var topic = options.Value.DeadLetterTopic;
        var config = ConsumerConfig();
        List<TopicPartition> partitions;
        using (var admin = new AdminClientBuilder(config).SetLogHandler((_, _) => { }).Build())
        {
            partitions = [.. admin.GetMetadata(topic, BrokerTimeout).Topics.Single().Partitions.Select(p => new TopicPartition(topic, p.PartitionId))];
        }

        using var consumer = new ConsumerBuilder<Ignore, byte[]>(config).SetLogHandler((_, _) => { }).Build();
        var committed = consumer.Committed(partitions, BrokerTimeout).ToDictionary(c => c.Partition.Value, c => c.Offset);
        var ends = new Dictionary<int, long>(); // partition → its end when the replay started: read up to it
        var starts = new List<TopicPartitionOffset>();
        foreach (var partition in partitions)
        {
            var marks = consumer.QueryWatermarkOffsets(partition, BrokerTimeout);
            var from = request.FromBeginning || committed[partition.Partition.Value] == Offset.Unset ? marks.Low : committed[partition.Partition.Value];
            if (from < marks.High)
            {
                ends[partition.Partition.Value] = marks.High.Value;
                starts.Add(new TopicPartitionOffset(partition, from));
            }
        }

        long read = 0, replayed = 0, heartbeats = 0, undecodable = 0;
        var letters = new List<UndecodableLetter>();
        using var rows = new RowBinaryBuffer();
        var pending = new Dictionary<int, long>(ends);
        consumer.Assign(starts);
        while (pending.Count > 0)
        {
            var result = consumer.Consume(cancellationToken);
            var partition = result.Partition.Value;
            if (!pending.TryGetValue(partition, out var end) || result.Offset.Value >= end)
            {
                continue; // arrived after the replay started: the next one reads it
            }

            read++;
            var letter = DeadLetterRecord.Parse(result.Message.Value);
            var row = rows.GetSpan(EnvelopeTranscoder.MaxRowLength(letter.Original.Length));
            EnvelopeTranscoder.Transcode(letter.Original, row, out var info);
            switch (info.Kind)
            {
                case EnvelopeKind.Order:
                    rows.Advance(info.RowLength);
                    replayed++;
                    break;
                case EnvelopeKind.Heartbeat:
                    heartbeats++;
                    break;
                default:
                    undecodable++;
                    if (letters.Count < ListedLetters)
                    {
                        letters.Add(new UndecodableLetter(partition, result.Offset.Value, letter.SourcePartition, letter.SourceOffset,
                            DeadLetterReasons.Name(info.Error), info.Field));
                    }

                    break;
            }

            if (result.Offset.Value + 1 >= end)
            {
                pending.Remove(partition);
            }
        }

        if (rows.Length > 0)
        {
            // The same letters give the same bytes: a retried replay's insert is deduplicated.
            var token = string.Create(CultureInfo.InvariantCulture, $"dlq-replay#{rows.ContentHash():X16}");
            sink.InsertOrdersAsync(rows, token, cancellationToken).GetAwaiter().GetResult();
        }

        if (starts.Count > 0)
        {
            consumer.Commit(starts.Select(s => new TopicPartitionOffset(s.TopicPartition, ends[s.Partition.Value])));
        }

        LogReplayed(logger, read, replayed, heartbeats, undecodable);
        return new ReplayResult("done", read, replayed, heartbeats, undecodable, letters, request.FromBeginning, started, time.GetUtcNow(), null);
    }

    /// <summary>The worker's broker settings (those the AppHost gives its consumer) under the replay's own group.</summary>
    private ConsumerConfig ConsumerConfig()
    {
        var config = new ConsumerConfig();
        configuration.GetSection($"{KafkaClientExtensions.ConsumerSectionName}:Config").Bind(config);
        config.BootstrapServers = configuration.GetConnectionString("kafka") ?? config.BootstrapServers;
        config.GroupId = ConsumerGroup;
        config.EnableAutoCommit = false;
        config.EnableAutoOffsetStore = false;
        config.AutoOffsetReset = AutoOffsetReset.Earliest;
        return config;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Dead-letter replay: {Read} read, {Replayed} replayed into orders, {Heartbeats} heartbeats skipped, {Undecodable} still undecodable")]
    private static partial void LogReplayed(ILogger logger, long read, long replayed, long heartbeats, long undecodable);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dead-letter replay failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
