using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Npgsql;
using PolyglotAspire.OrdersApi.Diagnostics;

namespace PolyglotAspire.OrdersApi.Capture;

/// <summary>
/// The capture relay: streams the outbox inserts out of the WAL (logical replication, pgoutput, publication
/// <see cref="CaptureRelayOptions.PublicationName"/>, durable slot <see cref="CaptureRelayOptions.SlotName"/>),
/// publishes each envelope to Kafka (key = order id) with its commit LSN and time filled in, and confirms the slot
/// only up to what Kafka acknowledged. Heartbeats (contracts §2) go to every partition.
/// <para>
/// This type supervises: it runs one <see cref="CaptureSession"/> after another. Any failure ends a session; the next
/// one starts, after a backoff, from the slot's confirmed LSN, so nothing is lost (at-least-once; a replay re-sends a
/// suffix, in order). The slot admits one active consumer: a second instance gets "slot is active" and stays in
/// <see cref="RelayState.Standby"/>, retrying every <see cref="CaptureRelayOptions.TakeoverRetryInterval"/> until it
/// takes over.
/// </para>
/// <para>
/// After a failed session it asks whether the slot itself is gone or invalidated (<see cref="IReplicationSlotGuard"/>):
/// then it stops in <see cref="RelayState.SlotLost"/> and says why, instead of retrying for ever or — worse — starting
/// over from a new slot at the current position, which would skip every change in between (issue 13 item 2).
/// </para>
/// </summary>
internal sealed partial class CaptureRelay(
    ICaptureSession session, IReplicationSlotGuard slots, IOptions<CaptureRelayOptions> options, OrdersTelemetry telemetry, TimeProvider time,
    ILogger<CaptureRelay> logger)
    : BackgroundService
{
    private readonly RelayStatusBoard _status = new(time);

    /// <summary>What the relay is doing now (for the health check).</summary>
    public RelayStatus Status => _status.Current;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            _status.Set(RelayState.Disabled, "CaptureRelay:Enabled is false");
            return;
        }

        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            _status.Set(RelayState.Connecting, null);
            try
            {
                await session.RunAsync(_status, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ObjectInUse)
            {
                // Another instance streams from the slot: stand by and try again shortly.
                if (_status.State != RelayState.Standby)
                {
                    LogStandby(logger, settings.SlotName, ex.MessageText);
                }

                _status.Set(RelayState.Standby, ex.MessageText);
                failures = 0;
                await DelayAsync(settings.TakeoverRetryInterval, stoppingToken);
                continue;
            }
#pragma warning disable CA1031 // The relay must outlive any failure of a session: it retries from the slot's confirmed LSN.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                // A session that got to stream starts the backoff over: only failures in a row grow it.
                failures = _status.State == RelayState.Streaming ? 1 : failures + 1;
                var backoff = settings.Backoff(failures);
                telemetry.SessionFailures.Add(1, new KeyValuePair<string, object?>(OrdersTelemetry.ErrorType, Reason(ex)));
                if (await FindLossAsync(stoppingToken) is { } loss)
                {
                    var description = loss.Describe();
                    LogSlotLost(logger, ex, description);
                    _status.Set(RelayState.SlotLost, description, loss.Reason);
                    await DelayAsync(Timeout.InfiniteTimeSpan, stoppingToken);
                    break;
                }

                var permanent = RelayFailures.PermanentReason(ex);
                if (permanent is not null && _status.Current.Permanent is null)
                {
                    LogNeedsOperator(logger, ex, permanent);
                }
                else
                {
                    LogSessionFailed(logger, ex, backoff.TotalMilliseconds);
                }

                _status.Set(RelayState.Retrying, ex.Message, permanent);
                await DelayAsync(backoff, stoppingToken);
            }
            finally
            {
                telemetry.SetActive(false);
            }
        }

        if (_status.State != RelayState.SlotLost)
        {
            _status.Set(RelayState.Stopped, null);
        }
    }

    /// <summary>Whether the slot is gone; null also when PostgreSQL cannot be asked (then the session is just retried).</summary>
    private async Task<SlotLoss?> FindLossAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await slots.FindLossAsync(cancellationToken);
        }
        catch (Exception ex) when ((ex is NpgsqlException or TimeoutException or InvalidOperationException) && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, time, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static string Reason(Exception ex) => ex switch
    {
        PostgresException pg => "postgres_" + pg.SqlState,
        NpgsqlException => "postgres_connection",
        KafkaException kafka => "kafka_" + kafka.Error.Code,
        _ => ex.GetType().Name,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Capture relay on standby: slot {Slot} is held by another instance ({Reason})")]
    private static partial void LogStandby(ILogger logger, string slot, string reason);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Capture stopped: {Loss}")]
    private static partial void LogSlotLost(ILogger logger, Exception exception, string loss);

    [LoggerMessage(Level = LogLevel.Error, Message = "Capture relay fails for a reason that needs an operator ({Reason}); /health is Unhealthy, and it keeps retrying until fixed")]
    private static partial void LogNeedsOperator(ILogger logger, Exception exception, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Capture relay session failed; restarting from the slot's confirmed position in {BackoffMs:F0} ms")]
    private static partial void LogSessionFailed(ILogger logger, Exception exception, double backoffMs);
}
