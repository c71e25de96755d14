using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using PolyglotAspire.SyncWorker.ClickHouse;

namespace PolyglotAspire.SyncWorker.UnitTests;

/// <summary>
/// The cluster DDL cannot run here (no ZooKeeper/Keeper, one node), so it is checked as text and parsed by the
/// real engine (<c>formatQuery</c>), which rejects anything that is not valid ClickHouse SQL.
/// </summary>
public sealed class ClusterSchemaTests(EngineFixture engine)
{
    [Fact]
    public void A_single_server_gets_exactly_the_contract_tables()
    {
        var statements = ClickHouseSchema.Statements(cluster: null, database: "analytics");
        Assert.Equal(2, statements.Count);
        Assert.StartsWith("CREATE TABLE IF NOT EXISTS orders (", statements[0], StringComparison.Ordinal);
        Assert.Contains("ENGINE = ReplacingMergeTree(version, is_deleted) ORDER BY order_id", statements[0], StringComparison.Ordinal);
        Assert.Contains("non_replicated_deduplication_window = 1000", statements[0], StringComparison.Ordinal);
        Assert.DoesNotContain("ON CLUSTER", string.Concat(statements), StringComparison.Ordinal);
        Assert.StartsWith("CREATE TABLE IF NOT EXISTS sync_state (", statements[1], StringComparison.Ordinal);
        Assert.Contains("ENGINE = ReplacingMergeTree(updated_at) ORDER BY (topic, partition)", statements[1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_cluster_gets_replicated_local_tables_behind_distributed_tables_with_the_agreed_names()
    {
        var s = ClickHouseSchema.Statements(cluster: "analytics_cluster", database: "polyglot");
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
    }

    [Fact]
    public void Without_a_database_the_distributed_tables_use_the_current_one()
    {
        var s = ClickHouseSchema.Statements(cluster: "c", database: null);
        Assert.Contains("Distributed(`c`, currentDatabase(), orders_local, cityHash64(order_id))", s[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Cluster_names_are_quoted()
    {
        Assert.Equal("`we\\`ird`", ClickHouseSchema.Quote("we`ird"));
        Assert.Contains("ON CLUSTER `my-cluster`", ClickHouseSchema.Statements("my-cluster", null)[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Cluster_inserts_wait_for_the_shards()
    {
        Assert.Contains(new KeyValuePair<string, object>("distributed_foreground_insert", 1), ClickHouseSchema.ClusterInsertSettings);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("analytics_cluster", "polyglot")]
    [InlineData("my-cluster", null)]
    public async Task Every_statement_is_valid_ClickHouse_SQL(string? cluster, string? database)
    {
        using var client = engine.CreateClient();
        foreach (var statement in ClickHouseSchema.Statements(cluster, database))
        {
            var parameters = new ClickHouseParameterCollection();
            parameters.AddParameter("sql", statement);
            var formatted = (string?)await client.ExecuteScalarAsync("SELECT formatQuery({sql:String})", parameters, cancellationToken: TestContext.Current.CancellationToken);
            Assert.StartsWith("CREATE TABLE IF NOT EXISTS", formatted, StringComparison.Ordinal);
            if (cluster is not null)
            {
                Assert.Contains("ON CLUSTER", formatted, StringComparison.Ordinal);
            }
        }
    }
}
