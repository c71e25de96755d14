using ClickHouse.Driver;

namespace PolyglotAspire.SyncWorker.Schema;

/// <summary>What a migration works with: the writer's client, where the tables live, and a way to say what it is doing.</summary>
internal sealed record MigrationContext(IClickHouseClient Client, SchemaLayout Layout, Action<string> Progress);
