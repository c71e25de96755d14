using Npgsql;

namespace PolyglotAspire.Load.Scenarios;

/// <summary>
/// Brings PostgreSQL to the same state before each measured phase, so a phase pays for its own capture and not the
/// previous one's: the capture relay has published everything written so far, and a checkpoint has just been taken.
/// </summary>
internal static class RelayCatchUp
{
    /// <summary>Waits until the capture relay has confirmed the slot up to the current WAL position, then checkpoints.</summary>
    public static async Task SettleAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await SettleAsync(connection, cancellationToken);
    }

    /// <inheritdoc cref="SettleAsync(string, CancellationToken)"/>
    public static async Task SettleAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using (var target = new NpgsqlCommand("SELECT pg_current_wal_insert_lsn()", connection))
        {
            var lsn = (NpgsqlTypes.NpgsqlLogSequenceNumber)(await target.ExecuteScalarAsync(cancellationToken))!;
            await using var caughtUp = new NpgsqlCommand("SELECT confirmed_flush_lsn >= $1 FROM pg_replication_slots WHERE slot_name = 'orders_outbox_relay'", connection)
            {
                Parameters = { new NpgsqlParameter { Value = lsn, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.PgLsn } },
            };
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (await caughtUp.ExecuteScalarAsync(cancellationToken) is not true && waited.Elapsed < TimeSpan.FromMinutes(2))
            {
                await Task.Delay(200, cancellationToken);
            }
        }

        // A lost slot means capture has stopped for good (by design): nothing measured after it would mean anything.
        await using (var status = new NpgsqlCommand("SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'orders_outbox_relay'", connection))
        {
            if (await status.ExecuteScalarAsync(cancellationToken) is "lost")
            {
                throw new InvalidOperationException("The capture relay's replication slot was lost (more WAL than max_slot_wal_keep_size behind): the load wrote too much WAL at once.");
            }
        }

        await using var checkpoint = new NpgsqlCommand("CHECKPOINT", connection);
        await checkpoint.ExecuteNonQueryAsync(cancellationToken);
    }
}
