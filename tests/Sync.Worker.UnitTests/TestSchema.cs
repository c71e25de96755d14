using ClickHouse.Driver;
using Microsoft.Extensions.Logging.Abstractions;
using PolyglotAspire.SyncWorker.Schema;

namespace PolyglotAspire.SyncWorker.UnitTests;

/// <summary>The worker's schema in a test database: what the pipeline does at start, on one server.</summary>
internal static class TestSchema
{
    public static SchemaMigrator Migrator(ClickHouseClient client) =>
        new(client, new SchemaLayout(Cluster: null, Database: null), NullLogger<SchemaMigrator>.Instance);

    public static Task MigrateAsync(ClickHouseClient client, CancellationToken cancellationToken) =>
        Migrator(client).MigrateAsync(_ => { }, cancellationToken);
}
