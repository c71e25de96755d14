using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace PolyglotAspire.OrdersApi.Capture;

/// <summary>
/// Keeps the replication slot honest (issue 13 item 2). The slot and its row in <c>capture_slots</c> are created
/// together; from then on a missing or invalidated slot is a <see cref="SlotLoss"/>, recorded in that row and never
/// papered over by a new slot at the current WAL position (which would skip every change in between while heartbeats
/// carried the watermark past them). A new slot is made only once an operator sets <c>recreate_after_loss</c>.
/// </summary>
public sealed partial class ReplicationSlotGuard(
    NpgsqlDataSource dataSource, IOptions<CaptureRelayOptions> options, TimeProvider time, ILogger<ReplicationSlotGuard> logger) : IReplicationSlotGuard
{
    private const string SlotSql = """
        SELECT plugin, wal_status, confirmed_flush_lsn,
               CASE WHEN confirmed_flush_lsn IS NULL THEN NULL ELSE (pg_current_wal_lsn() - confirmed_flush_lsn)::bigint END,
               safe_wal_size, active
        FROM pg_replication_slots WHERE slot_name = $1
        """;

    private const string RecordSql =
        "SELECT confirmed_lsn, lost_at, lost_reason, recreate_after_loss FROM capture_slots WHERE slot_name = $1";

    private const string MarkLostSql = """
        INSERT INTO capture_slots (slot_name, created_lsn, lost_at, lost_reason) VALUES ($1, '0/0', $2, $3)
        ON CONFLICT (slot_name) DO UPDATE SET lost_at = coalesce(capture_slots.lost_at, excluded.lost_at),
                                              lost_reason = coalesce(capture_slots.lost_reason, excluded.lost_reason)
        RETURNING lost_at, lost_reason, confirmed_lsn
        """;

    private string SlotName => options.Value.SlotName;

    /// <summary>
    /// At start-up, on the migrator's connection and under its lock, before any write is accepted: makes sure the slot
    /// exists — creating it (and its row) only on a database that never had one — or finds it lost and says so.
    /// </summary>
    public async Task EnsureAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var slot = await ReadSlotAsync(connection, cancellationToken);
        var record = await ReadRecordAsync(connection, cancellationToken);
        if (slot is not null && slot.Plugin != "pgoutput")
        {
            throw new InvalidOperationException($"Replication slot '{SlotName}' exists with plugin '{slot.Plugin}', not pgoutput.");
        }

        if (record is { LostAt: not null, RecreateAfterLoss: true })
        {
            if (slot is not null)
            {
                await ExecuteAsync(connection, "SELECT pg_drop_replication_slot($1)", cancellationToken, SlotName);
            }

            var lsn = await CreateSlotAsync(connection, cancellationToken);
            await ExecuteAsync(connection,
                "UPDATE capture_slots SET created_at = now(), created_lsn = $2, confirmed_lsn = NULL, confirmed_at = NULL, lost_at = NULL, lost_reason = NULL, recreate_after_loss = false WHERE slot_name = $1",
                cancellationToken, SlotName, new NpgsqlLogSequenceNumber(lsn));
            LogRecreatedAfterLoss(logger, SlotName, record.LostAt.Value, new Contracts.ConsistencyToken(record.ConfirmedLsn ?? 0), new Contracts.ConsistencyToken(lsn));
            return;
        }

        string? lossReason = null;
        if (record?.LostAt is not null)
        {
            lossReason = record.LostReason ?? "lost";
        }
        else if (slot is null && record is not null)
        {
            lossReason = "the slot no longer exists (dropped, or this server is a promoted standby without it)";
        }
        else if (slot is null && await HasOrdersAsync(connection, cancellationToken))
        {
            lossReason = "orders exist but there is no slot and no record of one: changes may have been written without capture";
        }
        else if (slot is { IsInvalidated: true })
        {
            lossReason = InvalidatedReason;
        }

        if (lossReason is not null)
        {
            var loss = await MarkLostAsync(connection, lossReason, cancellationToken);
            LogLost(logger, loss);
            return; // no new slot: the relay stays stopped and says why
        }

        if (slot is null)
        {
            var lsn = await CreateSlotAsync(connection, cancellationToken);
            await ExecuteAsync(connection, "INSERT INTO capture_slots (slot_name, created_lsn) VALUES ($1, $2) ON CONFLICT (slot_name) DO NOTHING",
                cancellationToken, SlotName, new NpgsqlLogSequenceNumber(lsn));
            LogSlotCreated(logger, SlotName, new Contracts.ConsistencyToken(lsn));
        }
        else if (record is null)
        {
            // A slot from before this table existed (or a crash between creating the slot and its row): adopt it.
            await ExecuteAsync(connection, "INSERT INTO capture_slots (slot_name, created_lsn, confirmed_lsn, confirmed_at) VALUES ($1, $2, $2, now()) ON CONFLICT (slot_name) DO NOTHING",
                cancellationToken, SlotName, new NpgsqlLogSequenceNumber(slot.ConfirmedLsn));
        }
    }

    /// <inheritdoc />
    public async Task<SlotLoss?> FindLossAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var slot = await ReadSlotAsync(connection, cancellationToken);
        var reason = slot switch
        {
            null => "the slot no longer exists (dropped, or this server is a promoted standby without it)",
            { IsInvalidated: true } => InvalidatedReason,
            _ => null,
        };
        return reason is null ? null : await MarkLostAsync(connection, reason, cancellationToken);
    }

    /// <summary>
    /// The slot now, for health and metrics; also records its confirmed position in <c>capture_slots</c> (the start of
    /// the gap, should it be lost). Null when there is no slot.
    /// </summary>
    public async Task<SlotState?> ObserveAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var slot = await ReadSlotAsync(connection, cancellationToken);
        if (slot is { IsInvalidated: false, ConfirmedLsn: > 0 })
        {
            await ExecuteAsync(connection,
                "UPDATE capture_slots SET confirmed_lsn = $2, confirmed_at = now() WHERE slot_name = $1 AND lost_at IS NULL AND (confirmed_lsn IS NULL OR confirmed_lsn < $2)",
                cancellationToken, SlotName, new NpgsqlLogSequenceNumber(slot.ConfirmedLsn));
        }

        return slot;
    }

    private const string InvalidatedReason =
        "PostgreSQL invalidated it: it retained more WAL than max_slot_wal_keep_size allows (Kafka or the relay was down too long)";

    private async Task<SlotLoss> MarkLostAsync(NpgsqlConnection connection, string reason, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(MarkLostSql, connection)
        {
            Parameters =
            {
                new NpgsqlParameter<string> { TypedValue = SlotName },
                new NpgsqlParameter<DateTime> { TypedValue = time.GetUtcNow().UtcDateTime },
                new NpgsqlParameter<string> { TypedValue = reason },
            },
        };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new SlotLoss(SlotName, new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(0), DateTimeKind.Utc)), reader.GetString(1),
            reader.IsDBNull(2) ? null : (ulong)reader.GetFieldValue<NpgsqlLogSequenceNumber>(2));
    }

    private async Task<SlotState?> ReadSlotAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(SlotSql, connection) { Parameters = { new NpgsqlParameter<string> { TypedValue = SlotName } } };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new SlotState(
            reader.GetString(0),
            reader.IsDBNull(1) ? null : reader.GetString(1),
            reader.IsDBNull(2) ? 0 : (ulong)reader.GetFieldValue<NpgsqlLogSequenceNumber>(2),
            reader.IsDBNull(3) ? null : reader.GetInt64(3),
            reader.IsDBNull(4) ? null : reader.GetInt64(4),
            reader.GetBoolean(5));
    }

    private sealed record SlotRecord(ulong? ConfirmedLsn, DateTimeOffset? LostAt, string? LostReason, bool RecreateAfterLoss);

    private async Task<SlotRecord?> ReadRecordAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(RecordSql, connection) { Parameters = { new NpgsqlParameter<string> { TypedValue = SlotName } } };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new SlotRecord(
            reader.IsDBNull(0) ? null : (ulong)reader.GetFieldValue<NpgsqlLogSequenceNumber>(0),
            reader.IsDBNull(1) ? null : new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(1), DateTimeKind.Utc)),
            reader.IsDBNull(2) ? null : reader.GetString(2),
            reader.GetBoolean(3));
    }

    private static async Task<bool> HasOrdersAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM orders)", connection);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Creates the durable pgoutput slot; returns the LSN it starts at. Logical decoding sees only what commits after it.</summary>
    private async Task<ulong> CreateSlotAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT lsn FROM pg_create_logical_replication_slot($1, 'pgoutput')", connection)
        {
            Parameters = { new NpgsqlParameter<string> { TypedValue = SlotName } },
        };
        return (ulong)(NpgsqlLogSequenceNumber)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            // pg_lsn is never inferred from the CLR type: say so.
            command.Parameters.Add(parameter is NpgsqlLogSequenceNumber
                ? new NpgsqlParameter { Value = parameter, NpgsqlDbType = NpgsqlDbType.PgLsn }
                : new NpgsqlParameter { Value = parameter });
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created logical replication slot {Slot} (pgoutput) at {Lsn}")]
    private static partial void LogSlotCreated(ILogger logger, string slot, Contracts.ConsistencyToken lsn);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Loss}")]
    private static partial void LogLost(ILogger logger, SlotLoss loss);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replication slot {Slot}, lost at {LostAt:O}, recreated at {NewLsn} as an operator asked: changes between {CapturedThrough} and {NewLsn} were not captured and are in analytics only if a backfill brought them")]
    private static partial void LogRecreatedAfterLoss(ILogger logger, string slot, DateTimeOffset lostAt, Contracts.ConsistencyToken capturedThrough, Contracts.ConsistencyToken newLsn);
}
