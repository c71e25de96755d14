using System.Diagnostics;
using Npgsql;
using PolyglotAspire.OrdersApi.Capture;
using PolyglotAspire.OrdersApi.Diagnostics;

namespace PolyglotAspire.OrdersApi.Data;

/// <summary>
/// Applies the schema at start-up, before the API serves (<see cref="IHostedLifecycleService.StartingAsync"/> runs
/// before any hosted service starts, Kestrel included): versioned embedded SQL scripts, each idempotent and applied
/// once in its own transaction, under a PostgreSQL advisory lock so several replicas starting together migrate once.
/// Then it makes sure the replication slot exists — before the first write, or that write would never be captured —
/// through <see cref="ReplicationSlotGuard"/>, which never recreates a slot that was lost (issue 13 item 2).
/// </summary>
public sealed partial class SchemaMigrator(
    NpgsqlDataSource dataSource, ReplicationSlotGuard slots, ILogger<SchemaMigrator> logger) : IHostedLifecycleService
{
    /// <summary>Advisory lock key: any constant unique to this schema's migrations.</summary>
    private const long LockKey = 0x506f6c79_4f726473; // "PolyOrds"

    private static readonly TimeSpan ConnectRetryFor = TimeSpan.FromSeconds(60);

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await MigrateAsync(cancellationToken);
                return;
            }
            catch (NpgsqlException ex) when (ex.IsTransient && deadline.Elapsed < ConnectRetryFor && !cancellationToken.IsCancellationRequested)
            {
                LogRetrying(logger, attempt, ex.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 200 * attempt)), cancellationToken);
            }
        }
    }

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        using var activity = OrdersTelemetry.ActivitySource.StartActivity("orders.migrate");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, "SELECT pg_advisory_lock($1)", cancellationToken, LockKey);
        try
        {
            await ExecuteAsync(connection,
                "CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
                cancellationToken);

            var applied = new HashSet<int>();
            await using (var select = new NpgsqlCommand("SELECT version FROM schema_migrations", connection))
            await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    applied.Add(reader.GetInt32(0));
                }
            }

            foreach (var (version, name, sql) in Scripts())
            {
                if (applied.Contains(version))
                {
                    continue;
                }

                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await ExecuteAsync(connection, sql, cancellationToken);
                await ExecuteAsync(connection, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", cancellationToken, version, name);
                await transaction.CommitAsync(cancellationToken);
                LogApplied(logger, version, name);
            }

            await slots.EnsureAsync(connection, cancellationToken);
        }
        finally
        {
            await ExecuteAsync(connection, "SELECT pg_advisory_unlock($1)", CancellationToken.None, LockKey);
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Embedded <c>Data/Migrations/NNNN_name.sql</c>, in version order.</summary>
    internal static IEnumerable<(int Version, string Name, string Sql)> Scripts()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("Migrations.", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var file = resource["Migrations.".Length..^".sql".Length];
            var separator = file.IndexOf('_', StringComparison.Ordinal);
            var version = int.Parse(file.AsSpan(0, separator), System.Globalization.CultureInfo.InvariantCulture);
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            yield return (version, file[(separator + 1)..], reader.ReadToEnd());
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied schema migration {Version} ({Name})")]
    private static partial void LogApplied(ILogger logger, int version, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schema migration attempt {Attempt} could not reach PostgreSQL ({Reason}); retrying")]
    private static partial void LogRetrying(ILogger logger, int attempt, string reason);
}
