using System.Data;
using System.Globalization;
using Npgsql;
using Npgsql.Replication;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// A read of PostgreSQL exactly at a known WAL position (contracts.md §7): a <c>REPEATABLE READ READ ONLY</c>
/// transaction that sees every transaction whose commit record ends at or before <see cref="Lsn"/> and none after it —
/// so, by the envelope's rule (<c>CommitLsn</c> = the commit's end LSN), exactly the changes whose events carry
/// <c>CommitLsn ≤ Lsn</c>.
/// <para>
/// How: a temporary logical replication slot created with an exported snapshot (<c>CREATE_REPLICATION_SLOT … TEMPORARY
/// LOGICAL pgoutput (SNAPSHOT 'export')</c>) answers with its consistent point and the snapshot's name; a normal
/// connection imports it (<c>SET TRANSACTION SNAPSHOT</c>) while the replication connection is still open, then the
/// replication connection closes and the slot goes with it (it is never streamed from, so it holds back no WAL once
/// closed). Transactions that commit before the consistent point are in the snapshot, the rest are what the slot would
/// have streamed: the split is PostgreSQL's own, which a <c>pg_current_wal_lsn()</c> read inside a snapshot cannot give
/// (a commit record can precede that LSN without its transaction being visible in the snapshot yet).
/// </para>
/// <para>
/// Needs a role with the <c>REPLICATION</c> attribute (or a superuser), <c>wal_level = logical</c> and one free
/// replication slot and WAL sender while it is being taken. Creating the slot waits for transactions that are running
/// at that moment to end, so <see cref="TakeAsync"/> takes a bound.
/// </para>
/// </summary>
public sealed class PostgresSnapshot : IAsyncDisposable
{
    private static int s_sequence;

    private PostgresSnapshot(NpgsqlConnection connection, NpgsqlTransaction transaction, ulong lsn, DateTimeOffset takenAt)
    {
        Connection = connection;
        Transaction = transaction;
        Lsn = lsn;
        TakenAt = takenAt;
    }

    /// <summary>The consistent point: what is visible is exactly what committed at or before it.</summary>
    public ulong Lsn { get; }

    /// <summary>PostgreSQL's clock when the snapshot was imported (the state is the one at about that time).</summary>
    public DateTimeOffset TakenAt { get; }

    /// <summary>The connection whose open transaction reads the snapshot; use it for every query, one at a time.</summary>
    public NpgsqlConnection Connection { get; }

    public NpgsqlTransaction Transaction { get; }

    /// <summary>A command on the snapshot's transaction.</summary>
    public NpgsqlCommand CreateCommand(string sql) => new(sql, Connection, Transaction);

    /// <summary>
    /// Takes a snapshot. <paramref name="source"/> gives the reading connection (its pool, settings and
    /// <c>statement_timeout</c> default); <paramref name="connectionString"/> (the same database, with its password)
    /// the short-lived replication connection. <paramref name="statementTimeout"/> bounds each statement of the
    /// transaction (<c>SET LOCAL statement_timeout</c>).
    /// </summary>
    public static async Task<PostgresSnapshot> TakeAsync(
        NpgsqlDataSource source, string connectionString, string purpose, TimeSpan timeout, TimeSpan statementTimeout, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        var connection = await source.OpenConnectionAsync(bounded.Token);
        try
        {
            await using var replication = new LogicalReplicationConnection(new NpgsqlConnectionStringBuilder(connectionString)
            {
                ApplicationName = $"polyglot {purpose} snapshot",
                Options = null,
            }.ConnectionString);
            await replication.Open(bounded.Token);
            var slot = await replication.CreatePgOutputReplicationSlot(
                SlotName(purpose), temporarySlot: true, slotSnapshotInitMode: LogicalSlotSnapshotInitMode.Export, cancellationToken: bounded.Token);
            var snapshotName = slot.SnapshotName ?? throw new InvalidOperationException("PostgreSQL exported no snapshot for the slot.");
            if (!snapshotName.All(c => char.IsAsciiHexDigit(c) || c == '-'))
            {
                throw new InvalidOperationException($"Unexpected snapshot name '{snapshotName}'.");
            }

            // Imported before the replication connection runs anything else or closes: the export lives until then.
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, bounded.Token);
            await using var import = new NpgsqlCommand(
                $"SET TRANSACTION READ ONLY; SET TRANSACTION SNAPSHOT '{snapshotName}'; " +
                $"SET LOCAL statement_timeout = {(long)statementTimeout.TotalMilliseconds}; SELECT clock_timestamp()",
                connection, transaction);
            var takenAt = (DateTime)(await import.ExecuteScalarAsync(bounded.Token))!;
            return new PostgresSnapshot(connection, transaction, (ulong)slot.ConsistentPoint, new DateTimeOffset(takenAt.ToUniversalTime()));
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Ends the transaction (nothing was written) and returns the connection to its pool.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await Transaction.DisposeAsync();
        }
        finally
        {
            await Connection.DisposeAsync();
        }
    }

    /// <summary>Unique per process and call; lower-case letters, digits and underscores, as slot names must be.</summary>
    private static string SlotName(string purpose) => string.Create(CultureInfo.InvariantCulture,
        $"polyglot_{new string([.. purpose.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).Take(20)])}_{Environment.ProcessId}_{Interlocked.Increment(ref s_sequence)}");
}
