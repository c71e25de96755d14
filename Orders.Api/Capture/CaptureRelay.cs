using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using MessagePack;
using Microsoft.Extensions.Options;
using Npgsql;
using Npgsql.Replication;
using Npgsql.Replication.PgOutput;
using Npgsql.Replication.PgOutput.Messages;
using NpgsqlTypes;
using PolyglotAspire.Contracts;
using PolyglotAspire.OrdersApi.Diagnostics;

namespace PolyglotAspire.OrdersApi.Capture;

/// <summary>
/// The capture relay: streams the outbox inserts out of the WAL (logical replication, pgoutput, publication
/// <see cref="CaptureRelayOptions.PublicationName"/>, durable slot <see cref="CaptureRelayOptions.SlotName"/>),
/// publishes each envelope to Kafka (key = order id) with its commit LSN and time filled in, and confirms the slot
/// only up to what Kafka acknowledged. Heartbeats (contracts §2) go to every partition.
/// <para>
/// One replication session = four tasks: the WAL reader (its own task, async I/O only), the publisher, the confirmer
/// and the heartbeat emitter, joined by a bounded channel (backpressure: when Kafka is down the reader stops reading,
/// PostgreSQL keeps the WAL for the slot, writes go on). Any failure ends the session; the next one starts from the
/// slot's confirmed LSN, so nothing is lost (at-least-once; a replay re-sends a suffix, in order).
/// </para>
/// <para>
/// The slot admits one active consumer: a second instance gets "slot is active" and stays in
/// <see cref="RelayState.Standby"/>, retrying every <see cref="CaptureRelayOptions.TakeoverRetryInterval"/> until it
/// takes over.
/// </para>
/// </summary>
public sealed partial class CaptureRelay : BackgroundService
{
    private const string HeartbeatSql =
        "SELECT CASE WHEN s.active_pid = $2 THEN pg_logical_emit_message(false, '" + CaptureRelayOptions.HeartbeatPrefix + "', " +
        "(extract(epoch from clock_timestamp()) * 1000)::bigint::text)::text END, " +
        "(pg_current_wal_lsn() - s.confirmed_flush_lsn)::bigint " +
        "FROM pg_replication_slots s WHERE s.slot_name = $1";

    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan PartitionRefreshInterval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ShutdownDrainTimeout = TimeSpan.FromSeconds(5);

    private readonly IProducer<byte[], byte[]> _producer;
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _replicationConnectionString;
    private readonly CaptureRelayOptions _options;
    private readonly string _publishActivityName; // built once: the publish path runs per event
    private readonly OrdersTelemetry _telemetry;
    private readonly TimeProvider _time;
    private readonly ILogger<CaptureRelay> _logger;
    private readonly Lock _stateGate = new();

    private RelayState _state = RelayState.Starting;
    private DateTimeOffset _since;
    private string? _detail;
    private volatile AckTracker? _tracker;
    private int[] _partitions = [];
    private long _partitionsFetchedAt;

    public CaptureRelay(
        IProducer<byte[], byte[]> producer,
        NpgsqlDataSource dataSource,
        ReplicationConnectionString replicationConnectionString,
        IOptions<CaptureRelayOptions> options,
        OrdersTelemetry telemetry,
        TimeProvider time,
        ILogger<CaptureRelay> logger)
    {
        _producer = producer;
        _dataSource = dataSource;
        _replicationConnectionString = replicationConnectionString.Value;
        _options = options.Value;
        _publishActivityName = $"{_options.Topic} publish";
        _telemetry = telemetry;
        _time = time;
        _logger = logger;
        _since = time.GetUtcNow();
    }

    /// <summary>What the relay is doing now (for the health check).</summary>
    public RelayStatus Status
    {
        get
        {
            var tracker = _tracker;
            lock (_stateGate)
            {
                return new RelayStatus(_state, _since, _detail, tracker?.InFlight ?? 0, tracker?.WaitingFor ?? TimeSpan.Zero,
                    tracker?.ConfirmedLsn ?? 0, tracker?.ConfirmedCommitTimeMs ?? 0);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            SetState(RelayState.Disabled, "CaptureRelay:Enabled is false");
            return;
        }

        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            SetState(RelayState.Connecting, null);
            try
            {
                await RunSessionAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ObjectInUse)
            {
                // Another instance streams from the slot: stand by and try again shortly.
                if (Status.State != RelayState.Standby)
                {
                    LogStandby(_logger, _options.SlotName, ex.MessageText);
                }

                SetState(RelayState.Standby, ex.MessageText);
                failures = 0;
                await DelayAsync(_options.TakeoverRetryInterval, stoppingToken);
                continue;
            }
#pragma warning disable CA1031 // The relay must outlive any failure of a session: it retries from the slot's confirmed LSN.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failures = Status.State == RelayState.Streaming ? 1 : failures + 1;
                var backoff = Backoff(failures);
                _telemetry.SessionFailures.Add(1, new KeyValuePair<string, object?>("reason", Reason(ex)));
                LogSessionFailed(_logger, ex, backoff.TotalMilliseconds);
                SetState(RelayState.Retrying, ex.Message);
                await DelayAsync(backoff, stoppingToken);
            }
            finally
            {
                _telemetry.SetActive(false);
            }
        }

        SetState(RelayState.Stopped, null);
    }

    private async Task RunSessionAsync(CancellationToken stoppingToken)
    {
        await using var replication = new LogicalReplicationConnection(_replicationConnectionString);
        await replication.Open(stoppingToken);
        var backendPid = replication.ProcessID;

        var tracker = new AckTracker(_options.MaxInFlight, _time);
        _tracker = tracker;

        using var streamCancellation = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        using var publishCancellation = CancellationTokenSource.CreateLinkedTokenSource(streamCancellation.Token);
        var streaming = Task.Run(() => StreamAsync(replication, tracker, publishCancellation.Token, streamCancellation.Token), CancellationToken.None);
        var confirming = Task.Run(() => ConfirmAsync(replication, tracker, streamCancellation.Token), CancellationToken.None);
        var heartbeating = Task.Run(() => HeartbeatAsync(backendPid, publishCancellation.Token), CancellationToken.None);
        var stopping = Task.Delay(Timeout.Infinite, stoppingToken);

        var first = await Task.WhenAny(streaming, confirming, heartbeating, tracker.Failed, stopping);
        if (first == stopping)
        {
            // Graceful stop: publish nothing new (the stream loop stops producing and waits, still reading), give
            // Kafka a moment to acknowledge what is in flight, confirm that much, and only then end the stream (a
            // confirmation needs the stream open).
            await publishCancellation.CancelAsync();
            await heartbeating.ContinueWith(_ => { }, TaskScheduler.Default);
            await Task.WhenAny(tracker.WhenDrainedAsync(), Task.Delay(ShutdownDrainTimeout, _time, CancellationToken.None));
            await TryConfirmAsync(replication, tracker, CancellationToken.None);
            await streamCancellation.CancelAsync();
            await Task.WhenAll(streaming, confirming).ContinueWith(_ => { }, TaskScheduler.Default);
            stoppingToken.ThrowIfCancellationRequested();
        }

        await streamCancellation.CancelAsync();
        await Task.WhenAll(streaming, confirming, heartbeating).ContinueWith(_ => { }, TaskScheduler.Default);

        // Report the cause: the task that ended first, unless it merely saw the cancellation the others caused.
        foreach (var task in new[] { first, tracker.Failed, streaming, confirming, heartbeating })
        {
            if (task.IsFaulted && task.Exception!.InnerException is { } cause and not OperationCanceledException)
            {
                throw cause;
            }
        }

        stoppingToken.ThrowIfCancellationRequested();
        throw new InvalidOperationException("The replication stream ended unexpectedly.");
    }

    /// <summary>
    /// Reads the pgoutput stream on its own task (async I/O only) and produces as it goes: each transaction's outbox
    /// inserts at its COMMIT (only then are its end LSN and commit time known), each heartbeat once everything before
    /// it is acknowledged (contracts §2). Backpressure: with too much unacknowledged (Kafka slow or down) it stops
    /// reading; PostgreSQL keeps the WAL for the slot and Npgsql keeps the connection alive with status updates.
    /// </summary>
    private async Task StreamAsync(LogicalReplicationConnection replication, AckTracker tracker, CancellationToken publishToken, CancellationToken streamToken)
    {
        var slot = new PgOutputReplicationSlot(_options.SlotName);
        var options = new PgOutputReplicationOptions(CaptureRelayOptions.PublicationName, PgOutputProtocolVersion.V1, binary: true, messages: true);
        var events = new List<CapturedEvent>(4);
        var inTransaction = false;
        await foreach (var message in replication.StartReplication(slot, options, streamToken))
        {
            try
            {
                switch (message)
                {
                    case BeginMessage:
                        inTransaction = true;
                        events.Clear();
                        break;

                    case InsertMessage insert when inTransaction && insert.Relation.RelationName == "outbox":
                        events.Add(await ReadOutboxRowAsync(insert, streamToken));
                        break;

                    case CommitMessage commit when inTransaction:
                        inTransaction = false;
                        var endLsn = (ulong)commit.TransactionEndLsn;
                        var commitTimeMs = new DateTimeOffset(commit.TransactionCommitTimestamp, TimeSpan.Zero).ToUnixTimeMilliseconds();
                        var checkpoint = tracker.Add(endLsn, commitTimeMs, events.Count);
                        foreach (var captured in events)
                        {
                            await tracker.WhenCapacityAsync().WaitAsync(publishToken);
                            await ProduceEventAsync(captured, endLsn, commitTimeMs, checkpoint, tracker, publishToken);
                        }

                        break;

                    case LogicalDecodingMessage { Prefix: CaptureRelayOptions.HeartbeatPrefix } heartbeat when (heartbeat.Flags & 1) == 0:
                        long timeMs;
                        using (var text = new StreamReader(heartbeat.Data, leaveOpen: true))
                        {
                            if (!long.TryParse(await text.ReadToEndAsync(streamToken), NumberStyles.Integer, CultureInfo.InvariantCulture, out timeMs))
                            {
                                break;
                            }
                        }

                        await ProduceHeartbeatAsync((ulong)heartbeat.MessageLsn, timeMs, tracker, publishToken);
                        break;
                }
            }
            catch (OperationCanceledException) when (publishToken.IsCancellationRequested && !streamToken.IsCancellationRequested)
            {
                // Stopping: produce nothing more but keep the stream open (the last confirmation needs it) until the session ends it.
                await Task.Delay(Timeout.InfiniteTimeSpan, _time, streamToken);
            }
        }
    }

    private static async Task<CapturedEvent> ReadOutboxRowAsync(InsertMessage insert, CancellationToken cancellationToken)
    {
        Guid orderId = default;
        byte[]? payload = null;
        await foreach (var value in insert.NewRow.WithCancellation(cancellationToken))
        {
            switch (value.GetFieldName())
            {
                case "order_id":
                    orderId = await value.Get<Guid>(cancellationToken);
                    break;
                case "payload":
                    payload = await value.Get<byte[]>(cancellationToken);
                    break;
                default:
                    await value.Get<object>(cancellationToken);
                    break;
            }
        }

        return new CapturedEvent(orderId, payload ?? throw new InvalidDataException("An outbox row without payload."));
    }

    private async Task ProduceHeartbeatAsync(ulong lsn, long timeMs, AckTracker tracker, CancellationToken cancellationToken)
    {
        // Contracts §2: a heartbeat follows only once every event before it is acknowledged.
        await tracker.WhenDrainedAsync().WaitAsync(cancellationToken);
        if (tracker.Failed.IsCompleted)
        {
            await tracker.Failed;
        }

        var partitions = await GetPartitionsAsync(cancellationToken);
        var round = tracker.Add(lsn, timeMs, partitions.Length);
        var value = OrderEventSerializer.Serialize(new OrderEvent
        {
            EventType = OrderEventType.Heartbeat,
            EventId = Guid.CreateVersion7(),
            OrderId = Guid.Empty,
            CommitLsn = lsn,
            CommitTimeMs = timeMs,
        });
        foreach (var partition in partitions)
        {
            await ProduceAsync(new TopicPartition(_options.Topic, new Partition(partition)), new Message<byte[], byte[]> { Key = null!, Value = value },
                report => OnHeartbeatDelivered(report, tracker, round), cancellationToken);
        }
    }

    private async Task ProduceEventAsync(CapturedEvent captured, ulong commitLsn, long commitTimeMs, Checkpoint checkpoint, AckTracker tracker, CancellationToken cancellationToken)
    {
        var key = new byte[16];
        captured.OrderId.TryWriteBytes(key, bigEndian: true, out _);
        OrderEvent envelope;
        try
        {
            envelope = OrderEventSerializer.Deserialize(captured.Payload) with
            {
                CommitLsn = commitLsn,
                CommitTimeMs = commitTimeMs,
            };
        }
        catch (MessagePackSerializationException ex)
        {
            // Not an envelope (only a bug or a foreign writer can put one there): a poison row must not stop the
            // relay forever, and must not vanish either. It goes to the dead-letter topic, bytes untouched.
            LogDeadLettered(_logger, ex, captured.OrderId, new ConsistencyToken(commitLsn).ToString());
            _telemetry.DeadLettered.Add(1);
            await ProduceAsync(new TopicPartition(_options.DeadLetterTopic, Partition.Any), new Message<byte[], byte[]> { Key = key, Value = captured.Payload },
                report => OnEventDelivered(report, tracker, checkpoint, null, commitTimeMs), cancellationToken);
            return;
        }

        // Continue the trace of the request that made the change (its traceparent travels in the envelope).
        ActivityContext.TryParse(envelope.TraceParent, null, isRemote: true, out var parent);
        var previous = Activity.Current;
        var activity = OrdersTelemetry.ActivitySource.StartActivity(_publishActivityName, ActivityKind.Producer, parent);
        Activity.Current = previous;
        if (activity is not null)
        {
            activity.SetTag("messaging.system", "kafka");
            activity.SetTag("messaging.operation.type", "send");
            activity.SetTag("messaging.destination.name", _options.Topic);
            activity.SetTag("polyglot.order.id", envelope.OrderId);
            activity.SetTag("polyglot.order.version", envelope.OrderVersion);
            activity.SetTag("polyglot.commit_lsn", new ConsistencyToken(envelope.CommitLsn).ToString());
        }

        var message = new Message<byte[], byte[]> { Key = key, Value = OrderEventSerializer.Serialize(envelope) };
        try
        {
            await ProduceAsync(new TopicPartition(_options.Topic, Partition.Any), message,
                report => OnEventDelivered(report, tracker, checkpoint, activity, commitTimeMs), cancellationToken);
        }
        catch
        {
            activity?.Dispose();
            throw;
        }
    }

    /// <summary>Hands a message to librdkafka; waits (asynchronously) while its local queue is full.</summary>
    private async Task ProduceAsync(TopicPartition destination, Message<byte[], byte[]> message, Action<DeliveryReport<byte[], byte[]>> onDelivered, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                _producer.Produce(destination, message, onDelivered);
                return;
            }
            catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(10), _time, cancellationToken);
            }
        }
    }

    // Delivery reports run on librdkafka's polling thread: keep them short and never let them throw.
    private void OnEventDelivered(DeliveryReport<byte[], byte[]> report, AckTracker tracker, Checkpoint checkpoint, Activity? activity, long commitTimeMs)
    {
        try
        {
            if (report.Error.IsError)
            {
                _telemetry.PublishFailures.Add(1, new KeyValuePair<string, object?>("error", report.Error.Code.ToString()));
                activity?.SetStatus(ActivityStatusCode.Error, report.Error.Reason);
                tracker.Refused(checkpoint, new KafkaException(report.Error));
            }
            else
            {
                tracker.Acknowledged(checkpoint);
                _telemetry.Published.Add(1);
                _telemetry.CommitToAck.Record(_time.GetUtcNow().ToUnixTimeMilliseconds() - commitTimeMs);
                activity?.SetTag("messaging.destination.partition.id", report.Partition.Value);
                activity?.SetTag("messaging.kafka.offset", report.Offset.Value);
            }
        }
#pragma warning disable CA1031 // An exception here would surface on librdkafka's thread.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogDeliveryHandlerFailed(_logger, ex);
        }
        finally
        {
            activity?.Dispose();
        }
    }

    private void OnHeartbeatDelivered(DeliveryReport<byte[], byte[]> report, AckTracker tracker, Checkpoint round)
    {
        try
        {
            if (report.Error.IsError)
            {
                _telemetry.PublishFailures.Add(1, new KeyValuePair<string, object?>("error", report.Error.Code.ToString()));
                tracker.Refused(round, new KafkaException(report.Error));
            }
            else
            {
                tracker.Acknowledged(round);
                if (round.IsComplete)
                {
                    _telemetry.Heartbeats.Add(1);
                }
            }
        }
#pragma warning disable CA1031
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogDeliveryHandlerFailed(_logger, ex);
        }
    }

    /// <summary>Pushes the confirmable position to the slot, every <see cref="CaptureRelayOptions.ConfirmInterval"/>.</summary>
    private async Task ConfirmAsync(LogicalReplicationConnection replication, AckTracker tracker, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.ConfirmInterval, _time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            await TryConfirmAsync(replication, tracker, cancellationToken);
            _telemetry.SetInFlight(tracker.InFlight);
            if (tracker.ConfirmedCommitTimeMs > 0)
            {
                _telemetry.SetWatermarkAge(Math.Max(0, _time.GetUtcNow().ToUnixTimeMilliseconds() - tracker.ConfirmedCommitTimeMs));
            }
        }
    }

    private static async Task TryConfirmAsync(LogicalReplicationConnection replication, AckTracker tracker, CancellationToken cancellationToken)
    {
        if (!tracker.TryAdvance())
        {
            return;
        }

        replication.SetReplicationStatus(new NpgsqlLogSequenceNumber(tracker.ConfirmedLsn));
        try
        {
            await replication.SendStatusUpdate(cancellationToken);
        }
        catch (InvalidOperationException)
        {
            // Not streaming (any more): the position is kept and sent with the next status update, if any.
        }
    }

    /// <summary>Emits a heartbeat into the WAL while this instance is the active relay; records the slot's lag.</summary>
    private async Task HeartbeatAsync(int backendPid, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.HeartbeatInterval, _time);
        do
        {
            try
            {
                await using var command = _dataSource.CreateCommand(HeartbeatSql);
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _options.SlotName });
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = backendPid });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                if (await reader.ReadAsync(cancellationToken))
                {
                    if (!reader.IsDBNull(0) && Status.State != RelayState.Streaming)
                    {
                        SetState(RelayState.Streaming, null);
                        _telemetry.SetActive(true);
                        LogStreaming(_logger, _options.SlotName, backendPid);
                    }

                    if (!reader.IsDBNull(1))
                    {
                        _telemetry.SetSlotLag(reader.GetInt64(1));
                    }
                }
            }
            catch (NpgsqlException ex) when (!cancellationToken.IsCancellationRequested)
            {
                // The stream itself fails if PostgreSQL is gone; a missed heartbeat only delays the watermark.
                LogHeartbeatFailed(_logger, ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));
    }

    /// <summary>The topic's partitions (heartbeats go to each), from the producer's own connection; refreshed now and then.</summary>
    private async Task<int[]> GetPartitionsAsync(CancellationToken cancellationToken)
    {
        var fresh = _partitions.Length > 0 && _time.GetElapsedTime(Volatile.Read(ref _partitionsFetchedAt)) < PartitionRefreshInterval;
        for (var attempt = 1; !fresh; attempt++)
        {
            try
            {
                // GetMetadata blocks: run it on a dedicated thread, not a thread-pool one.
                var partitions = await Task.Factory.StartNew(() =>
                {
                    using var admin = new DependentAdminClientBuilder(_producer.Handle).Build();
                    var topic = admin.GetMetadata(_options.Topic, MetadataTimeout).Topics.Single(t => t.Topic == _options.Topic);
                    if (topic.Error.IsError || topic.Partitions.Count == 0)
                    {
                        throw new KafkaException(topic.Error.IsError ? topic.Error : new Error(ErrorCode.UnknownTopicOrPart));
                    }

                    return topic.Partitions.Select(p => p.PartitionId).Order().ToArray();
                }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                _partitions = partitions;
                Volatile.Write(ref _partitionsFetchedAt, _time.GetTimestamp());
                break;
            }
            catch (KafkaException ex)
            {
                if (_partitions.Length > 0)
                {
                    break; // Keep the last known partitions; the heartbeat waits in librdkafka's queue like any message.
                }

                LogMetadataFailed(_logger, _options.Topic, ex.Error.Reason);
                await Task.Delay(Backoff(attempt), _time, cancellationToken);
            }
        }

        return _partitions;
    }

    private TimeSpan Backoff(int failures)
    {
        var exponential = _options.RetryMinBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 16));
        var capped = Math.Min(exponential, _options.RetryMaxBackoff.TotalMilliseconds);
#pragma warning disable CA5394 // Jitter, not security.
        return TimeSpan.FromMilliseconds(capped * (0.8 + (Random.Shared.NextDouble() * 0.4)));
#pragma warning restore CA5394
    }

    private async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _time, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void SetState(RelayState state, string? detail)
    {
        lock (_stateGate)
        {
            if (_state != state)
            {
                _since = _time.GetUtcNow();
            }

            (_state, _detail) = (state, detail);
        }
    }

    private static string Reason(Exception ex) => ex switch
    {
        PostgresException pg => "postgres_" + pg.SqlState,
        NpgsqlException => "postgres_connection",
        KafkaException kafka => "kafka_" + kafka.Error.Code,
        _ => ex.GetType().Name,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Capture relay streaming from slot {Slot} (walsender pid {Pid})")]
    private static partial void LogStreaming(ILogger logger, string slot, int pid);

    [LoggerMessage(Level = LogLevel.Information, Message = "Capture relay on standby: slot {Slot} is held by another instance ({Reason})")]
    private static partial void LogStandby(ILogger logger, string slot, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Capture relay session failed; restarting from the slot's confirmed position in {BackoffMs:F0} ms")]
    private static partial void LogSessionFailed(ILogger logger, Exception exception, double backoffMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat not emitted: {Reason}")]
    private static partial void LogHeartbeatFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partitions of {Topic} unknown: {Reason}; heartbeats wait")]
    private static partial void LogMetadataFailed(ILogger logger, string topic, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox row of order {OrderId} (commit {CommitLsn}) is not an order event envelope: sent to the dead-letter topic")]
    private static partial void LogDeadLettered(ILogger logger, Exception exception, Guid orderId, string commitLsn);

    [LoggerMessage(Level = LogLevel.Error, Message = "A Kafka delivery report could not be handled")]
    private static partial void LogDeliveryHandlerFailed(ILogger logger, Exception exception);
}

/// <summary>The PostgreSQL connection string (with its password) for the replication connection.</summary>
public sealed record ReplicationConnectionString(string Value);

internal readonly record struct CapturedEvent(Guid OrderId, byte[] Payload);
