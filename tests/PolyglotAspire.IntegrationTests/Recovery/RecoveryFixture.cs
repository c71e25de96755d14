using ClickHouse.Driver;
using PolyglotAspire.AppHost.Infrastructure;
using PolyglotAspire.IntegrationTests.Infrastructure;

namespace PolyglotAspire.IntegrationTests.Recovery;

/// <summary>
/// An app of the recovery tests' own: they delete and truncate ClickHouse's <c>orders</c> behind the app's back and
/// stop the worker mid-backfill, none of which may touch the shared app. Each test leaves both stores equal again.
/// </summary>
public sealed class RecoveryFixture : AppFixture
{
    public async Task<ClickHouseClient> ClickHouseWriterAsync() => new(await ConnectionStringAsync(ClickHouseAccess.WriterName));

    /// <summary>Small backfill batches, so a throttled backfill is caught part-way after its first insert.</summary>
    protected override IEnumerable<string> Arguments => ["SyncWorker:BackfillBatchRows=500"];

    public Task<string> PostgresAsync() => ConnectionStringAsync(EnginesExtensions.OrdersDbName);
}

[CollectionDefinition(nameof(RecoveryTestGroup))]
public sealed class RecoveryTestGroup : ICollectionFixture<RecoveryFixture>;
