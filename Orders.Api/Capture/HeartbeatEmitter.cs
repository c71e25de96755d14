using Npgsql;

namespace PolyglotAspire.OrdersApi.Capture;

/// <summary>What one heartbeat statement saw: whether this session's walsender holds the slot.</summary>
internal readonly record struct SlotObservation(bool Active);

/// <summary>
/// Emits a heartbeat into the WAL every <see cref="CaptureRelayOptions.HeartbeatInterval"/> (contracts §2), on a
/// normal connection, only while this session's walsender is the slot's active one (checked in the same statement,
/// The stream brings each heartbeat back to the relay, which publishes it and confirms the slot past it: so the
/// watermark advances while no order changes. (The slot's lag is <see cref="ReplicationSlotMonitor"/>'s business.)
/// </summary>
internal sealed partial class HeartbeatEmitter(
    Func<CancellationToken, Task<SlotObservation>> emit, TimeSpan interval, TimeProvider time, ILogger logger)
{
    private const string EmitSql =
        "SELECT CASE WHEN s.active_pid = $2 THEN pg_logical_emit_message(false, '" + CaptureRelayOptions.HeartbeatPrefix + "', " +
        "(extract(epoch from clock_timestamp()) * 1000)::bigint::text)::text END " +
        "FROM pg_replication_slots s WHERE s.slot_name = $1";

    /// <summary>The heartbeat statement for the session whose walsender has process id <paramref name="backendPid"/>.</summary>
    public static Func<CancellationToken, Task<SlotObservation>> Statement(NpgsqlDataSource dataSource, string slotName, int backendPid) =>
        async cancellationToken =>
        {
            await using var command = dataSource.CreateCommand(EmitSql);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = slotName });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = backendPid });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return await reader.ReadAsync(cancellationToken)
                ? new SlotObservation(!reader.IsDBNull(0))
                : default;
        };

    /// <summary>Emits now and then every interval; <paramref name="onActive"/> runs after each heartbeat emitted.</summary>
    public async Task RunAsync(Action onActive, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        do
        {
            try
            {
                var observed = await emit(cancellationToken);
                if (observed.Active)
                {
                    onActive();
                }
            }
            catch (NpgsqlException ex) when (!cancellationToken.IsCancellationRequested)
            {
                // The stream itself fails if PostgreSQL is gone; a missed heartbeat only delays the watermark.
                LogHeartbeatFailed(logger, ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat not emitted: {Reason}")]
    private static partial void LogHeartbeatFailed(ILogger logger, string reason);
}
