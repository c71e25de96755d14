using ClickHouse.Driver;
using PolyglotAspire.Contracts.Analytics;
using PolyglotAspire.SyncWorker.Schema;

namespace PolyglotAspire.SyncWorker.UnitTests;

/// <summary>
/// The migrations on the real engine, each in a database of its own: from nothing, from a version 1 table full of
/// versions, deletes and duplicates (as a system from before migrations has it), and from every state a crash
/// part-way through version 2 can leave. After each: <c>orders</c> has the current shape, holds every row it held,
/// and answers every question exactly as before.
/// </summary>
public sealed class SchemaMigrationTests(EngineFixture engine)
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    // Per day × region × currency, exactly as Analytics defines them: the answers a migration must not change.
    private const string AnswersSql = """
        SELECT toDate(created_at) AS day, region, currency, count(), sumIf(total, status IN ('paid', 'shipped', 'delivered'))
        FROM orders FINAL WHERE is_deleted = 0 GROUP BY day, region, currency ORDER BY day, region, currency
        FORMAT TSV
        """;

    [Fact]
    public async Task A_new_database_gets_the_current_shape_and_both_versions_recorded()
    {
        using var client = await engine.CreateDatabaseAsync();
        await TestSchema.MigrateAsync(client, _ct);
        await TestSchema.MigrateAsync(client, _ct); // again: nothing to do, nothing fails

        await AssertCurrentAsync(client);
        Assert.Equal("0", await TextAsync(client, "SELECT count() FROM orders FORMAT TSV"));
    }

    [Fact]
    public async Task A_version_1_table_from_before_migrations_moves_to_version_2_with_every_row_and_the_same_answers()
    {
        using var client = await engine.CreateDatabaseAsync();
        await CreateVersion1Async(client, recorded: false);
        var rows = await TextAsync(client, "SELECT count() FROM orders FORMAT TSV");
        var answers = await TextAsync(client, AnswersSql);
        var steps = new List<string>();

        await TestSchema.Migrator(client).MigrateAsync(steps.Add, _ct);

        await AssertCurrentAsync(client);
        Assert.Equal(rows, await TextAsync(client, "SELECT count() FROM orders FORMAT TSV"));
        Assert.Equal(answers, await TextAsync(client, AnswersSql));
        Assert.Contains(steps, s => s.Contains("exchanging", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_crash_during_the_copy_starts_the_copy_over()
    {
        using var client = await engine.CreateDatabaseAsync();
        await CreateVersion1Async(client, recorded: true);
        var answers = await TextAsync(client, AnswersSql);
        // What a crash mid-copy leaves: a half-filled copy, version 2 not recorded.
        await client.ExecuteNonQueryAsync(OrdersTable.CreateStatement(Migration0002PartitionedOrders.Migrating), cancellationToken: _ct);
        await client.ExecuteNonQueryAsync($"INSERT INTO {Migration0002PartitionedOrders.Migrating} SELECT * FROM orders WHERE cityHash64(order_id) % 2 = 0", cancellationToken: _ct);

        await TestSchema.MigrateAsync(client, _ct);

        await AssertCurrentAsync(client);
        Assert.Equal(answers, await TextAsync(client, AnswersSql));
    }

    [Fact]
    public async Task A_crash_after_the_exchange_only_drops_the_old_table_and_records_the_version()
    {
        using var client = await engine.CreateDatabaseAsync();
        await CreateVersion1Async(client, recorded: true);
        var answers = await TextAsync(client, AnswersSql);
        var statements = new Migration0002PartitionedOrders.Statements(new SchemaLayout(null, null));
        foreach (var statement in statements.CreateCopy.Append(statements.Copy).Append(statements.Exchange))
        {
            await client.ExecuteNonQueryAsync(statement, cancellationToken: _ct);
        }

        await TestSchema.MigrateAsync(client, _ct);

        await AssertCurrentAsync(client);
        Assert.Equal(answers, await TextAsync(client, AnswersSql));
    }

    [Fact]
    public async Task A_schema_newer_than_this_worker_is_refused()
    {
        using var client = await engine.CreateDatabaseAsync();
        await TestSchema.MigrateAsync(client, _ct);
        await client.ExecuteNonQueryAsync($"INSERT INTO {SchemaMigrator.Table} (version, name) VALUES (99, 'from the future')", cancellationToken: _ct);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => TestSchema.MigrateAsync(client, _ct));
        Assert.Contains("version 99", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Version 1 with 20,000 orders over two years: every order created, a quarter moved on (a newer version), some
    /// deleted, some redelivered (the same version twice), in several inserts (several parts).
    /// </summary>
    private async Task CreateVersion1Async(ClickHouseClient client, bool recorded)
    {
        foreach (var statement in Migration0001Initial.Statements(new SchemaLayout(null, null)))
        {
            await client.ExecuteNonQueryAsync(statement, cancellationToken: _ct);
        }

        const string Created = """
            INSERT INTO orders (order_id, version, is_deleted, customer_id, region, currency, status, total, created_at, line_count, commit_lsn, commit_time, event_id)
            SELECT reinterpretAsUUID(cityHash64(number, 'order')), 1, 0, concat('C-', toString(number % 500)),
                   ['eu-west', 'us-east', 'ap-south'][1 + number % 3], ['EUR', 'USD', 'GBP'][1 + intDiv(number, 3) % 3],
                   ['new', 'paid', 'shipped', 'delivered', 'cancelled'][1 + number % 5], toDecimal64(number % 1000, 2) / 7,
                   toDateTime64('2024-12-01 00:00:00', 3, 'UTC') + toIntervalSecond(cityHash64(number) % (730 * 86400)),
                   1, number, now64(3), generateUUIDv4(number)
            FROM numbers(20000)
            """;
        await client.ExecuteNonQueryAsync(Created, cancellationToken: _ct);
        await client.ExecuteNonQueryAsync("""
            INSERT INTO orders SELECT order_id, version + 1, number_in_block % 10 = 0, customer_id, region, currency, 'delivered', total, created_at,
                   line_count, commit_lsn + 100000, commit_time, generateUUIDv4(), _synced_at
            FROM (SELECT *, rowNumberInAllBlocks() AS number_in_block FROM orders WHERE cityHash64(order_id) % 4 = 0)
            """, cancellationToken: _ct);
        await client.ExecuteNonQueryAsync("INSERT INTO orders SELECT * FROM orders WHERE cityHash64(order_id) % 7 = 0", cancellationToken: _ct);
        if (recorded)
        {
            await client.ExecuteNonQueryAsync(SchemaMigrator.CreateTableStatement(new SchemaLayout(null, null)), cancellationToken: _ct);
            await client.ExecuteNonQueryAsync($"INSERT INTO {SchemaMigrator.Table} (version, name) VALUES (1, 'initial')", cancellationToken: _ct);
        }
    }

    private async Task AssertCurrentAsync(ClickHouseClient client)
    {
        Assert.Equal($"{OrdersTable.PartitionKey}\t{OrdersTable.SortingKey}",
            await TextAsync(client, "SELECT partition_key, sorting_key FROM system.tables WHERE database = currentDatabase() AND name = 'orders' FORMAT TSV"));
        Assert.Equal("orders\nschema_migrations\nsync_state", await TextAsync(client, "SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name FORMAT TSV"));
        Assert.Equal("1\n2\n3\n4\n5", await TextAsync(client, $"SELECT version FROM {SchemaMigrator.Table} FINAL ORDER BY version FORMAT TSV"));
        var orders = await TextAsync(client, "SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = 'orders' FORMAT TSVRaw");
        Assert.Contains(OrdersTable.MergeSettings, orders, StringComparison.Ordinal);
        Assert.Contains(PartCleanup.Settings, orders, StringComparison.Ordinal);
        Assert.Contains(PartCleanup.Settings,
            await TextAsync(client, "SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = 'sync_state' FORMAT TSVRaw"), StringComparison.Ordinal);
        Assert.Equal(string.Join("\n", SyncStateTable.InsertColumns),
            await TextAsync(client, "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = 'sync_state' ORDER BY position FORMAT TSV"));
    }

    private async Task<string> TextAsync(ClickHouseClient client, string sql)
    {
        using var result = await client.ExecuteRawResultAsync(sql, cancellationToken: _ct);
        return (await result.ReadAsStringAsync()).TrimEnd('\n');
    }
}
