using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using PolyglotAspire.Contracts.Analytics;
using PolyglotAspire.SyncWorker.Schema;

namespace PolyglotAspire.SyncWorker.UnitTests;

/// <summary>
/// The migrations' statements as text. The cluster DDL cannot run here (no ZooKeeper/Keeper, one node), so it is
/// checked as text and parsed by the real engine (<c>formatQuery</c>), which rejects anything that is not valid
/// ClickHouse SQL. What the single-server statements do is tested by running them (<see cref="SchemaMigrationTests"/>).
/// </summary>
public sealed class SchemaStatementTests(EngineFixture engine)
{
    private static readonly SchemaLayout Single = new(null, "analytics");
    private static readonly SchemaLayout Cluster = new("analytics_cluster", "polyglot");

    [Fact]
    public void Version_1_is_the_shape_from_before_migrations()
    {
        var s = Migration0001Initial.Statements(Single).ToList();
        Assert.Equal(2, s.Count);
        Assert.StartsWith("CREATE TABLE IF NOT EXISTS orders (", s[0], StringComparison.Ordinal);
        Assert.Contains("ENGINE = ReplacingMergeTree(version, is_deleted) ORDER BY order_id", s[0], StringComparison.Ordinal);
        Assert.DoesNotContain("PARTITION BY", s[0], StringComparison.Ordinal);
        Assert.Contains("non_replicated_deduplication_window = 1000", s[0], StringComparison.Ordinal);
        Assert.StartsWith("CREATE TABLE IF NOT EXISTS sync_state (", s[1], StringComparison.Ordinal);
        Assert.Contains("ENGINE = ReplacingMergeTree(updated_at) ORDER BY (topic, partition)", s[1], StringComparison.Ordinal);
        Assert.DoesNotContain("ON CLUSTER", string.Concat(s), StringComparison.Ordinal);
    }

    [Fact]
    public void The_current_orders_shape_is_partitioned_by_month_and_sorted_by_created_at()
    {
        var create = OrdersTable.CreateStatement("orders");
        Assert.Contains("ENGINE = ReplacingMergeTree(version, is_deleted)", create, StringComparison.Ordinal);
        Assert.Contains("PARTITION BY toYYYYMM(created_at) ORDER BY (created_at, order_id)", create, StringComparison.Ordinal);
        Assert.Contains("min_age_to_force_merge_seconds = 300, min_age_to_force_merge_on_partition_only = 1", create, StringComparison.Ordinal);
        Assert.Contains("cleanup_delay_period = 1, cleanup_delay_period_random_add = 1, concurrent_part_removal_threshold = 10000", create, StringComparison.Ordinal);
        Assert.Contains(PartCleanup.Settings, SyncStateTable.CreateStatement("sync_state"), StringComparison.Ordinal);
        Assert.Equal(5, SchemaMigrator.CurrentVersion);
        Assert.Equal(Math.Max(OrdersTable.Version, SyncStateTable.Version), SchemaMigrator.CurrentVersion);
    }

    [Fact]
    public void Version_4_lets_the_server_merge_quiet_partitions_of_the_per_node_table()
    {
        Assert.Equal(["ALTER TABLE orders MODIFY SETTING min_age_to_force_merge_seconds = 300, min_age_to_force_merge_on_partition_only = 1"],
            Migration0004QuietPartitionsMerged.Statements(Single));
        Assert.Equal(["ALTER TABLE orders_local ON CLUSTER `analytics_cluster` MODIFY SETTING min_age_to_force_merge_seconds = 300, min_age_to_force_merge_on_partition_only = 1"],
            Migration0004QuietPartitionsMerged.Statements(Cluster));
    }

    [Fact]
    public void Version_5_removes_outdated_parts_steadily_from_both_per_node_tables()
    {
        const string Cleanup = "MODIFY SETTING cleanup_delay_period = 1, cleanup_delay_period_random_add = 1, concurrent_part_removal_threshold = 10000";
        Assert.Equal([$"ALTER TABLE orders {Cleanup}", $"ALTER TABLE sync_state {Cleanup}"], Migration0005PartsRemovedSteadily.Statements(Single));
        Assert.Equal([$"ALTER TABLE orders_local ON CLUSTER `analytics_cluster` {Cleanup}", $"ALTER TABLE sync_state_local ON CLUSTER `analytics_cluster` {Cleanup}"],
            Migration0005PartsRemovedSteadily.Statements(Cluster));
    }

    [Fact]
    public void Version_2_copies_every_column_without_deduplication_and_exchanges_atomically()
    {
        var s = new Migration0002PartitionedOrders.Statements(Single);
        Assert.Equal([OrdersTable.CreateStatement("orders_migrating")], s.CreateCopy);
        Assert.Contains("INSERT INTO orders_migrating (" + string.Join(", ", OrdersTable.AllColumns) + ")", s.Copy, StringComparison.Ordinal);
        Assert.Contains("SELECT " + string.Join(", ", OrdersTable.AllColumns) + " FROM orders", s.Copy, StringComparison.Ordinal);
        Assert.Contains("insert_deduplicate = 0, optimize_on_insert = 0", s.Copy, StringComparison.Ordinal);
        Assert.Equal("EXCHANGE TABLES orders AND orders_migrating", s.Exchange);
        Assert.Equal(["DROP TABLE IF EXISTS orders_migrating SYNC"], s.DropCopy);
    }

    [Fact]
    public void A_cluster_gets_replicated_local_tables_behind_distributed_tables_with_the_contract_names()
    {
        var s = Migration0001Initial.Statements(Cluster).ToList();
        Assert.Equal(4, s.Count);
        Assert.All(s, statement => Assert.Contains("ON CLUSTER `analytics_cluster`", statement, StringComparison.Ordinal));
        Assert.StartsWith("CREATE TABLE IF NOT EXISTS orders_local ON CLUSTER", s[0], StringComparison.Ordinal);
        Assert.Contains("ENGINE = ReplicatedReplacingMergeTree(version, is_deleted) ORDER BY order_id", s[0], StringComparison.Ordinal);
        Assert.Contains("replicated_deduplication_window = 1000", s[0], StringComparison.Ordinal);
        // Every version of an order on one shard: FINAL collapses it there.
        Assert.StartsWith("CREATE TABLE IF NOT EXISTS orders ON CLUSTER `analytics_cluster` AS orders_local", s[1], StringComparison.Ordinal);
        Assert.Contains("ENGINE = Distributed(`analytics_cluster`, `polyglot`, orders_local, cityHash64(order_id))", s[1], StringComparison.Ordinal);
        Assert.Contains("ENGINE = ReplicatedReplacingMergeTree(updated_at) ORDER BY (topic, partition)", s[2], StringComparison.Ordinal);
        Assert.Contains("ENGINE = Distributed(`analytics_cluster`, `polyglot`, sync_state_local, partition)", s[3], StringComparison.Ordinal);

        var v2 = new Migration0002PartitionedOrders.Statements(Cluster);
        Assert.Contains("ReplicatedReplacingMergeTree(version, is_deleted)", v2.CreateCopy.First(), StringComparison.Ordinal);
        Assert.Contains("Distributed(`analytics_cluster`, `polyglot`, orders_migrating_local, cityHash64(order_id))", v2.CreateCopy.Last(), StringComparison.Ordinal);
        Assert.Contains("distributed_foreground_insert = 1", v2.Copy, StringComparison.Ordinal);
        // The Distributed orders keeps its name and reads orders_local, which the exchange replaces.
        Assert.Equal("EXCHANGE TABLES orders_local AND orders_migrating_local ON CLUSTER `analytics_cluster`", v2.Exchange);
        Assert.Contains("'/clickhouse/tables/{database}/schema_migrations', '{replica}'", SchemaMigrator.CreateTableStatement(Cluster), StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_database_the_distributed_tables_use_the_current_one()
    {
        var s = Migration0001Initial.Statements(new SchemaLayout("c", null)).ToList();
        Assert.Contains("Distributed(`c`, currentDatabase(), orders_local, cityHash64(order_id))", s[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Cluster_names_are_quoted()
    {
        Assert.Equal("`we\\`ird`", SchemaLayout.Quote("we`ird"));
        Assert.Contains("ON CLUSTER `my-cluster`", Migration0001Initial.Statements(new SchemaLayout("my-cluster", null)).First(), StringComparison.Ordinal);
    }

    [Fact]
    public void Cluster_inserts_wait_for_the_shards()
    {
        Assert.Equal(1, ClickHouse.ClickHouseSink.InsertSettings("t", "c")["distributed_foreground_insert"]);
        Assert.False(ClickHouse.ClickHouseSink.InsertSettings("t", null).ContainsKey("distributed_foreground_insert"));
    }

    [Fact]
    public void Every_insert_is_synchronous_and_a_token_is_passed_on()
    {
        // A buffered (async) insert would answer only after the server's flush and ignore the deduplication token.
        Assert.Equal(0, ClickHouse.ClickHouseSink.InsertSettings(null, null)["async_insert"]);
        Assert.Equal("t", ClickHouse.ClickHouseSink.InsertSettings("t", null)["insert_deduplication_token"]);
        Assert.False(ClickHouse.ClickHouseSink.InsertSettings(null, null).ContainsKey("insert_deduplication_token"));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("analytics_cluster", "polyglot")]
    [InlineData("my-cluster", null)]
    public async Task Every_statement_is_valid_ClickHouse_SQL(string? cluster, string? database)
    {
        var layout = new SchemaLayout(cluster, database);
        var v2 = new Migration0002PartitionedOrders.Statements(layout);
        string[] statements =
        [
            SchemaMigrator.CreateTableStatement(layout), .. Migration0001Initial.Statements(layout),
            .. v2.CreateLive, .. v2.CreateCopy, v2.Copy, v2.Exchange, .. v2.DropCopy, .. Migration0005PartsRemovedSteadily.Statements(layout),
        ];
        using var client = engine.CreateClient();
        foreach (var statement in statements)
        {
            var parameters = new ClickHouseParameterCollection();
            parameters.AddParameter("sql", statement);
            var formatted = (string?)await client.ExecuteScalarAsync("SELECT formatQuery({sql:String})", parameters, cancellationToken: TestContext.Current.CancellationToken);
            Assert.False(string.IsNullOrEmpty(formatted));
            if (cluster is not null && !statement.StartsWith("INSERT", StringComparison.Ordinal))
            {
                Assert.Contains("ON CLUSTER", formatted, StringComparison.Ordinal);
            }
        }
    }
}
