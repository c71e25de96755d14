using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PolyglotAspire.AppHost.Infrastructure;
using PolyglotAspire.IntegrationTests.Infrastructure;

namespace PolyglotAspire.IntegrationTests.Security;

/// <summary>Least privilege in PostgreSQL: the analytics fallback connects as a read-only role with a statement timeout.</summary>
[Collection(nameof(AppTestGroup))]
public sealed class StoreRolesTests(AppFixture fixture)
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_analytics_fallback_connects_as_a_read_only_role_with_a_statement_timeout()
    {
        var analytics = fixture.Model.Resources.OfType<ProjectResource>().Single(r => r.Name == "analytics-api");
        var configuration = await ExecutionConfigurationBuilder.Create(analytics).WithEnvironmentVariablesConfig()
            .BuildAsync(new(DistributedApplicationOperation.Run), NullLogger.Instance, _ct);
        await using var connection = new NpgsqlConnection(configuration.EnvironmentVariables.Single(e => e.Key == "ConnectionStrings__ordersdb").Value);
        await connection.OpenAsync(_ct);

        await using (var who = new NpgsqlCommand(
            "SELECT current_user, r.rolsuper, r.rolreplication, r.rolcreaterole, r.rolcreatedb, current_setting('statement_timeout'), current_setting('transaction_read_only') " +
            "FROM pg_roles r WHERE r.rolname = current_user", connection))
        await using (var reader = await who.ExecuteReaderAsync(_ct))
        {
            Assert.True(await reader.ReadAsync(_ct));
            Assert.Equal(PostgresRoles.AnalyticsReader, reader.GetString(0));
            Assert.False(reader.GetBoolean(1), "superuser");
            Assert.False(reader.GetBoolean(2), "replication");
            Assert.False(reader.GetBoolean(3), "create role");
            Assert.False(reader.GetBoolean(4), "create database");
            Assert.Equal(PostgresRoles.AnalyticsStatementTimeout, reader.GetString(5));
            Assert.Equal("on", reader.GetString(6));
        }

        // It reads the orders (the tables Orders.Api created after the role existed), and can change nothing.
        await using (var read = new NpgsqlCommand("SELECT count(*) FROM orders JOIN order_lines ON order_lines.order_id = orders.id", connection))
        {
            await read.ExecuteScalarAsync(_ct);
        }

        foreach (var statement in new[]
        {
            "BEGIN READ WRITE; DELETE FROM orders WHERE false; COMMIT",
            "BEGIN READ WRITE; INSERT INTO outbox DEFAULT VALUES; COMMIT",
            "BEGIN READ WRITE; CREATE TABLE public.mine (x int); COMMIT",
        })
        {
            await using var write = new NpgsqlCommand(statement, connection);
            var error = await Assert.ThrowsAsync<PostgresException>(() => write.ExecuteNonQueryAsync(_ct));
            Assert.True(error.SqlState == PostgresErrorCodes.InsufficientPrivilege, $"{statement}: {error.SqlState} {error.MessageText}");
            await using var rollback = new NpgsqlCommand("ROLLBACK", connection);
            await rollback.ExecuteNonQueryAsync(_ct);
        }
    }
}
