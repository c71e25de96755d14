using Npgsql;
using static PolyglotAspire.AppHost.Infrastructure.EnginesExtensions;

namespace PolyglotAspire.AppHost.Infrastructure;

/// <summary>
/// The analytics fallback's PostgreSQL role, <see cref="AnalyticsReader"/>: it logs in with a secret password of its own
/// (<see cref="AnalyticsReaderPasswordName"/>), is no superuser and has no other attribute, reads only (SELECT, through
/// the schema owner's default privileges; <c>default_transaction_read_only</c>) and is cut off after
/// <see cref="AnalyticsStatementTimeout"/>. The AppHost creates it once <c>ordersdb</c> is ready when it runs the engines
/// (local, containers); in external mode and published an operator creates it (docs/security.md has the SQL).
/// </summary>
public static class PostgresRoles
{
    public const string AnalyticsReader = "analytics_reader";
    public const string AnalyticsReaderPasswordName = OrdersDbName + "-reader-password";
    public const string AnalyticsStatementTimeout = "30s";

    /// <summary>External mode: the reader's connection string, from configuration (<c>ConnectionStrings:ordersdb-reader</c>).</summary>
    public const string AnalyticsReaderConnectionName = OrdersDbName + "-reader";

    /// <summary>The reader's password, generated and kept in user secrets like the other passwords.</summary>
    public static ParameterResource AddAnalyticsReaderPassword(IDistributedApplicationBuilder builder) =>
        ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, AnalyticsReaderPasswordName, special: false);

    /// <summary>Creates or updates the role when <paramref name="ordersDb"/> is ready (before any service that waits for it starts).</summary>
    public static void CreateWhenReady(IDistributedApplicationBuilder builder, IResourceWithConnectionString ordersDb, ParameterResource password)
    {
        if (!builder.ExecutionContext.IsRunMode)
        {
            return;
        }

        builder.Eventing.Subscribe<ResourceReadyEvent>(ordersDb, async (_, ct) => await EnsureAnalyticsReaderAsync(
            await ordersDb.ConnectionStringExpression.GetValueAsync(ct) ?? throw new InvalidOperationException("ordersdb has no connection string"),
            await password.GetValueAsync(ct) ?? throw new InvalidOperationException("no password for " + AnalyticsReader),
            ct));
    }

    /// <summary>What an operator runs as the owner of the orders tables (the SQL the AppHost runs).</summary>
    public static string Script(string password) =>
        $"""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{AnalyticsReader}') THEN CREATE ROLE {AnalyticsReader}; END IF;
        END $$;
        ALTER ROLE {AnalyticsReader} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '{password.Replace("'", "''", StringComparison.Ordinal)}';
        ALTER ROLE {AnalyticsReader} SET statement_timeout = '{AnalyticsStatementTimeout}';
        ALTER ROLE {AnalyticsReader} SET default_transaction_read_only = on;
        GRANT CONNECT ON DATABASE {OrdersDbName} TO {AnalyticsReader};
        GRANT USAGE ON SCHEMA public TO {AnalyticsReader};
        GRANT SELECT ON ALL TABLES IN SCHEMA public TO {AnalyticsReader};
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {AnalyticsReader};
        """;

    private static async Task EnsureAnalyticsReaderAsync(string ownerConnectionString, string password, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ownerConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(Script(password), connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
