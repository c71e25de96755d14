using System.Runtime.ExceptionServices;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Npgsql;
using Npgsql.Replication;
using Npgsql.Replication.PgOutput;
using NpgsqlTypes;
using PolyglotAspire.OrdersApi.Diagnostics;

namespace PolyglotAspire.OrdersApi.Capture;

/// <summary>One replication session, as <see cref="CaptureRelay"/> runs them one after another.</summary>
internal interface ICaptureSession
{
    /// <summary>Streams from the slot, reporting on <paramref name="status"/>, until it fails (an exception) or the host stops.</summary>
    Task RunAsync(RelayStatusBoard status, CancellationToken stoppingToken);
}

/// <summary>
/// One replication session: a logical replication connection on the slot (pgoutput protocol 1, binary,
/// <c>messages = true</c>) and four tasks — the stream (<see cref="OutboxStreamDecoder"/> into
/// <see cref="OrderEventPublisher"/>, on its own task, async I/O only), the <see cref="SlotConfirmer"/>, the
/// <see cref="HeartbeatEmitter"/> and the <see cref="ProgressRounds"/>. The first to fail ends the session; the next starts from the slot's confirmed LSN.
/// </summary>
internal sealed partial class CaptureSession(
    IProducer<byte[], byte[]> producer,
    NpgsqlDataSource dataSource,
    ReplicationConnectionString replicationConnectionString,
    IOptions<CaptureRelayOptions> options,
    OrdersTelemetry telemetry,
    TimeProvider time,
    ILogger<CaptureRelay> logger) : ICaptureSession
{
    private static readonly TimeSpan ShutdownDrainTimeout = TimeSpan.FromSeconds(5);

    private readonly CaptureRelayOptions _options = options.Value;

    // Across sessions: the partitions do not change with the session.
    private readonly TopicPartitions _partitions = TopicPartitions.Of(producer, options.Value, time, logger);

    public async Task RunAsync(RelayStatusBoard status, CancellationToken stoppingToken)
    {
        await using var replication = new LogicalReplicationConnection(replicationConnectionString.Value);
        await replication.Open(stoppingToken);
        var backendPid = replication.ProcessID;
        var system = await replication.IdentifySystem(stoppingToken);
        var source = new SourceIdentity(ulong.Parse(system.SystemId, System.Globalization.CultureInfo.InvariantCulture), system.Timeline);

        var tracker = new AckTracker(_options.MaxInFlight, time);
        status.Attach(tracker);
        var publisher = new OrderEventPublisher(producer, _partitions, source, tracker, _options, telemetry, time, logger);
        var confirmer = new SlotConfirmer(tracker, (lsn, cancellationToken) =>
        {
            replication.SetReplicationStatus(new NpgsqlLogSequenceNumber(lsn));
            return replication.SendStatusUpdate(cancellationToken);
        }, telemetry, time);
        var heartbeats = new HeartbeatEmitter(
            HeartbeatEmitter.Statement(dataSource, _options.SlotName, backendPid), _options.HeartbeatInterval, time, logger);

        using var streamCancellation = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        using var publishCancellation = CancellationTokenSource.CreateLinkedTokenSource(streamCancellation.Token);
        var slot = new PgOutputReplicationSlot(_options.SlotName);
        var pgOutput = new PgOutputReplicationOptions(CaptureRelayOptions.PublicationName, PgOutputProtocolVersion.V1, binary: true, messages: true);
        var progress = _options.ProgressInterval > TimeSpan.Zero ? new ProgressRounds(_options.ProgressInterval, time) : null;
        var streaming = Task.Run(() => PumpAsync(
            OutboxStreamDecoder.DecodeAsync(replication.StartReplication(slot, pgOutput, streamCancellation.Token), streamCancellation.Token),
            publisher, tracker, time, publishCancellation.Token, streamCancellation.Token, progress), CancellationToken.None);
        var confirming = Task.Run(() => confirmer.RunAsync(_options.ConfirmInterval, streamCancellation.Token), CancellationToken.None);
        var heartbeating = Task.Run(() => heartbeats.RunAsync(() => OnActive(status, backendPid), publishCancellation.Token), CancellationToken.None);
        var progressing = progress is null
            ? Task.Delay(Timeout.Infinite, publishCancellation.Token)
            : Task.Run(() => progress.RunAsync(publisher.PublishProgressAsync, publishCancellation.Token), CancellationToken.None);
        var stopping = Task.Delay(Timeout.Infinite, stoppingToken);

        var first = await Task.WhenAny(streaming, confirming, heartbeating, progressing, tracker.Failed, stopping);
        if (first == stopping)
        {
            // Graceful stop: publish nothing new (the stream loop stops producing and waits, still reading), give
            // Kafka a moment to acknowledge what is in flight, confirm that much, and only then end the stream (a
            // confirmation needs the stream open).
            await publishCancellation.CancelAsync();
            await Task.WhenAll(heartbeating, progressing).ContinueWith(_ => { }, TaskScheduler.Default);
            await Task.WhenAny(tracker.WhenDrainedAsync(), Task.Delay(ShutdownDrainTimeout, time, CancellationToken.None));
            await confirmer.ConfirmAsync(CancellationToken.None);
            await streamCancellation.CancelAsync();
            await Task.WhenAll(streaming, confirming).ContinueWith(_ => { }, TaskScheduler.Default);
            stoppingToken.ThrowIfCancellationRequested();
        }

        await streamCancellation.CancelAsync();
        await Task.WhenAll(streaming, confirming, heartbeating, progressing).ContinueWith(_ => { }, TaskScheduler.Default);

        // Report the cause: the task that ended first, unless it merely saw the cancellation the others caused.
        foreach (var task in new[] { first, tracker.Failed, streaming, confirming, heartbeating, progressing })
        {
            if (task.IsFaulted && task.Exception!.InnerException is { } cause and not OperationCanceledException)
            {
                ExceptionDispatchInfo.Throw(cause); // with the stack of where it happened, not of this line
            }
        }

        stoppingToken.ThrowIfCancellationRequested();
        throw new InvalidOperationException("The replication stream ended unexpectedly.");
    }

    /// <summary>
    /// The stream task: publishes each transaction's events (the transaction's checkpoint completes when Kafka has
    /// them all) and each heartbeat, in WAL order. With <see cref="CaptureRelayOptions.MaxInFlight"/> unacknowledged
    /// it waits, and reads nothing meanwhile. Once <paramref name="publishToken"/> is cancelled (stopping) it produces
    /// nothing more but keeps the stream open (the last confirmation needs it) until <paramref name="streamToken"/> ends it.
    /// Each transaction, once all of its events are handed to the producer, is told to <paramref name="progress"/>.
    /// </summary>
    internal static async Task PumpAsync(
        IAsyncEnumerable<CapturedChange> changes, OrderEventPublisher publisher, AckTracker tracker, TimeProvider time,
        CancellationToken publishToken, CancellationToken streamToken, ProgressRounds? progress = null)
    {
        await foreach (var change in changes.WithCancellation(streamToken))
        {
            try
            {
                switch (change)
                {
                    case CapturedTransaction transaction:
                        var checkpoint = tracker.Add(transaction.CommitLsn, transaction.CommitTimeMs, transaction.Events.Count);
                        foreach (var captured in transaction.Events)
                        {
                            await tracker.WhenCapacityAsync().WaitAsync(publishToken);
                            await publisher.PublishAsync(captured, transaction, checkpoint, publishToken);
                        }

                        progress?.Published(transaction.CommitLsn, transaction.CommitTimeMs);

                        break;

                    case CapturedHeartbeat heartbeat:
                        await publisher.PublishHeartbeatAsync(heartbeat, publishToken);
                        break;
                }
            }
            catch (OperationCanceledException) when (publishToken.IsCancellationRequested && !streamToken.IsCancellationRequested)
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, time, streamToken);
            }
        }
    }

    private void OnActive(RelayStatusBoard status, int backendPid)
    {
        if (status.State != RelayState.Streaming)
        {
            status.Set(RelayState.Streaming, null);
            telemetry.SetActive(true);
            LogStreaming(logger, _options.SlotName, backendPid);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Capture relay streaming from slot {Slot} (walsender pid {Pid})")]
    private static partial void LogStreaming(ILogger logger, string slot, int pid);
}
