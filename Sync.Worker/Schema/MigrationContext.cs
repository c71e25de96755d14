using ClickHouse.Driver;

namespace PolyglotAspire.SyncWorker.Schema;

/// <summary>What a migration works with: the writer's client, where the tables live, and a way to say what it is doing.</summary>
internal sealed record MigrationContext(IClickHouseClient Client, SchemaLayout Layout, Action<string> Progress)
{
    /// <summary>Runs <paramref name="statements"/> one after another (each idempotent, so a re-run after a crash is safe).</summary>
    public async Task ExecuteAsync(IEnumerable<string> statements, CancellationToken cancellationToken)
    {
        foreach (var statement in statements)
        {
            await Client.ExecuteNonQueryAsync(statement, cancellationToken: cancellationToken);
        }
    }
}
