using System.Diagnostics;
using ClickHouse.Driver;
using Npgsql;

namespace PolyglotAspire.Load.Scenarios.Freshness;

/// <summary>
/// The peer: ClickHouse's own <c>MaterializedPostgreSQL</c> database engine replicating the app's <c>orders</c> table
/// straight from the same PostgreSQL (its own publication and replication slot, no Kafka), created in the same
/// ClickHouse the app uses, with the backoff tuned as ENVIRONMENT.md measured best (10–100 ms instead of the default
/// 200–10,000 ms between polls of the slot). Disposing drops the database and makes sure its slot and publication are
/// gone from PostgreSQL: the engine is known to leave them behind, and an abandoned slot keeps WAL forever.
/// </summary>
internal sealed class MaterializedPostgresMirror : IAsyncDisposable
{
    public const string Database = "pg_mirror";
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(2);

    private readonly ClickHouseClient _clickhouse;
    private readonly NpgsqlDataSource _pg;
    private readonly IReadOnlySet<string> _before;

    private MaterializedPostgresMirror(ClickHouseClient clickhouse, NpgsqlDataSource pg, IReadOnlySet<string> before, TimeSpan ready)
    {
        _clickhouse = clickhouse;
        _pg = pg;
        _before = before;
        Ready = ready;
    }

    /// <summary>The mirrored table, as a ClickHouse reader names it.</summary>
    public static string OrdersTable => $"{Database}.orders";

    /// <summary>From <c>CREATE DATABASE</c> to the table answering (initial snapshot included).</summary>
    public TimeSpan Ready { get; }

    /// <summary>What creating and dropping it did to PostgreSQL (slot, publication), for the result's notes.</summary>
    public List<string> Notes { get; } = [];

    /// <summary>Creates the mirror of <c>orders</c> in the app's ClickHouse (logging in to PostgreSQL as the app does) and waits for its snapshot.</summary>
    public static async Task<MaterializedPostgresMirror> CreateAsync(AppClients app, CancellationToken cancellationToken)
    {
        var (clickhouse, pg) = (app.ClickHouse, app.Postgres);
        var source = new NpgsqlConnectionStringBuilder(app.PostgresConnectionString);
        var before = await ReplicationObjectsAsync(pg, cancellationToken);
        var experimental = new QueryOptions
        {
            CustomSettings = new Dictionary<string, object> { ["allow_experimental_database_materialized_postgresql"] = 1 },
        };
        var clock = Stopwatch.StartNew();
        await clickhouse.ExecuteNonQueryAsync(
            $"""
            CREATE DATABASE {Database}
            ENGINE = MaterializedPostgreSQL('{Literal($"{source.Host}:{source.Port}")}', '{Literal(source.Database!)}', '{Literal(source.Username!)}', '{Literal(source.Password!)}')
            SETTINGS materialized_postgresql_tables_list = 'orders',
                     materialized_postgresql_backoff_min_ms = 10, materialized_postgresql_backoff_max_ms = 100
            """, options: experimental, cancellationToken: cancellationToken);

        // The engine takes its snapshot in the background; the table exists once it is loaded.
        while (true)
        {
            try
            {
                await clickhouse.ExecuteScalarAsync($"SELECT count() FROM {OrdersTable}", cancellationToken: cancellationToken);
                break;
            }
            catch (ClickHouseServerException) when (clock.Elapsed < ReadyTimeout)
            {
                await Task.Delay(50, cancellationToken);
            }
        }

        var mirror = new MaterializedPostgresMirror(clickhouse, pg, before, clock.Elapsed);
        var created = (await ReplicationObjectsAsync(pg, cancellationToken)).Except(before).Order().ToArray();
        mirror.Notes.Add($"mirror created: table answering {clock.Elapsed.TotalSeconds:F1} s after CREATE DATABASE; it added to PostgreSQL: {(created.Length == 0 ? "nothing visible" : string.Join(", ", created))}");
        return mirror;
    }

    public async ValueTask DisposeAsync()
    {
        await _clickhouse.ExecuteNonQueryAsync($"DROP DATABASE IF EXISTS {Database} SYNC", cancellationToken: CancellationToken.None);

        // The engine drops its slot and publication as it shuts down; give it a few seconds before judging.
        var clock = Stopwatch.StartNew();
        string[] left;
        do
        {
            left = [.. (await ReplicationObjectsAsync(_pg, CancellationToken.None)).Except(_before).Order()];
            if (left.Length > 0)
            {
                await Task.Delay(200);
            }
        }
        while (left.Length > 0 && clock.Elapsed < TimeSpan.FromSeconds(10));

        if (left.Length == 0)
        {
            Notes.Add("mirror dropped: DROP DATABASE removed its replication slot and publication");
            return;
        }

        foreach (var name in left)
        {
            await RemoveAsync(name);
        }

        var remaining = (await ReplicationObjectsAsync(_pg, CancellationToken.None)).Except(_before).ToArray();
        Notes.Add($"mirror dropped: {string.Join(", ", left)} were still in PostgreSQL 10 s after DROP DATABASE; the harness removed them"
            + (remaining.Length == 0 ? "" : $" (still there: {string.Join(", ", remaining)})"));
    }

    /// <summary>Replication slots and publications, as <c>slot:name</c> / <c>publication:name</c>.</summary>
    private static async Task<IReadOnlySet<string>> ReplicationObjectsAsync(NpgsqlDataSource pg, CancellationToken cancellationToken)
    {
        await using var command = pg.CreateCommand(
            "SELECT 'slot:' || slot_name FROM pg_replication_slots UNION ALL SELECT 'publication:' || pubname FROM pg_publication");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var names = new HashSet<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    private async Task RemoveAsync(string qualifiedName)
    {
        var name = qualifiedName[(qualifiedName.IndexOf(':', StringComparison.Ordinal) + 1)..];
        if (!qualifiedName.StartsWith("slot:", StringComparison.Ordinal))
        {
            await using var drop = _pg.CreateCommand("DROP PUBLICATION IF EXISTS \"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"");
            await drop.ExecuteNonQueryAsync();
            return;
        }

        await using (var terminate = _pg.CreateCommand("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL"))
        {
            terminate.Parameters.AddWithValue(name);
            await terminate.ExecuteNonQueryAsync();
        }

        // The terminated walsender releases the slot a moment later.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var drop = _pg.CreateCommand("SELECT pg_drop_replication_slot($1)");
                drop.Parameters.AddWithValue(name);
                await drop.ExecuteNonQueryAsync();
                return;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ObjectInUse && attempt < 25)
            {
                await Task.Delay(200);
            }
        }
    }

    private static string Literal(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal);
}
