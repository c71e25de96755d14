using System.Globalization;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using PolyglotAspire.Contracts.Analytics;

namespace PolyglotAspire.SyncWorker.Schema;

/// <summary>
/// Version 2: <c>orders</c> partitioned by month and sorted by <c>(created_at, order_id)</c> (<see cref="OrdersTable"/>),
/// online. Readers keep reading the old table until one atomic <c>EXCHANGE TABLES</c>:
/// <list type="number">
/// <item>create the new shape as <c>orders_migrating</c> (a leftover from a crashed run is dropped first: it may be half full);</item>
/// <item><c>INSERT … SELECT</c> every row — every version, delete and redelivery, so <c>FINAL</c> answers exactly as before;</item>
/// <item>check both hold the same number of rows, then <c>EXCHANGE TABLES orders AND orders_migrating</c>;</item>
/// <item>drop <c>orders_migrating</c>, which now is the old table.</item>
/// </list>
/// Nothing writes <c>orders</c> meanwhile: the pipeline starts only once every migration is applied (one worker
/// migrates at a time: Sync.Worker/README.md). Each step is idempotent: a run that finds <c>orders</c> already in the new
/// shape has exchanged, and only drops what is left. On a cluster the same happens to the per-node tables
/// (<c>orders_local</c>), through a <c>Distributed</c> table over the new ones, and the <c>Distributed</c> <c>orders</c>
/// reads the new per-node tables from the exchange on.
/// </summary>
internal sealed class Migration0002PartitionedOrders : ISchemaMigration
{
    public const string Migrating = OrdersTable.Name + "_migrating";

    private const string ShapeSql = """
        SELECT partition_key, sorting_key FROM system.tables
        WHERE database = currentDatabase() AND name = {table:String}
        """;

    public int Version => 2;

    public string Name => "orders partitioned by month of created_at, sorted by (created_at, order_id)";

    public async Task ApplyAsync(MigrationContext context, CancellationToken cancellationToken)
    {
        var client = context.Client;
        var layout = context.Layout;
        var statements = new Statements(layout);
        var shape = await ShapeAsync(context, layout.Local(OrdersTable.Name), cancellationToken);
        if (shape is null)
        {
            // No orders table at all (dropped by hand): nothing to keep, create the new shape.
            await context.ExecuteAsync(statements.CreateLive, cancellationToken);
        }
        else if (!IsCurrent(shape.Value))
        {
            context.Progress("orders v2: creating the partitioned copy");
            await context.ExecuteAsync(statements.DropCopy, cancellationToken);
            await context.ExecuteAsync(statements.CreateCopy, cancellationToken);

            context.Progress("orders v2: copying every row (readers still use the old table)");
            await client.ExecuteNonQueryAsync(statements.Copy, cancellationToken: cancellationToken);

            var (source, copy) = (await CountAsync(context, OrdersTable.Name, cancellationToken), await CountAsync(context, Migrating, cancellationToken));
            if (source != copy)
            {
                throw new InvalidOperationException($"orders v2: the copy holds {copy} rows, the table {source}; the migration starts over.");
            }

            context.Progress($"orders v2: exchanging the tables ({copy} rows)");
            await client.ExecuteNonQueryAsync(statements.Exchange, cancellationToken: cancellationToken);
        }

        // Now the old table, or a copy a crashed run left behind after its exchange.
        await context.ExecuteAsync(statements.DropCopy, cancellationToken);
    }

    /// <summary>Whether a table's keys are the current shape's.</summary>
    public static bool IsCurrent((string PartitionKey, string SortingKey) shape) =>
        shape.PartitionKey == OrdersTable.PartitionKey && shape.SortingKey == OrdersTable.SortingKey;

    private static async Task<(string PartitionKey, string SortingKey)?> ShapeAsync(MigrationContext context, string table, CancellationToken cancellationToken)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("table", table);
        using var reader = await context.Client.ExecuteReaderAsync(ShapeSql, parameters, cancellationToken: cancellationToken);
        return reader.Read() ? (reader.GetString(0), reader.GetString(1)) : null;
    }

    private static async Task<ulong> CountAsync(MigrationContext context, string table, CancellationToken cancellationToken) =>
        Convert.ToUInt64(await context.Client.ExecuteScalarAsync($"SELECT count() FROM {table}", cancellationToken: cancellationToken), CultureInfo.InvariantCulture);

    /// <summary>The statements, for one server or a cluster; table names are the contract's, never input.</summary>
    public sealed class Statements(SchemaLayout layout)
    {
        private readonly string _on = layout.OnCluster;

        /// <summary>The new shape under the contract name (only when there is no table to migrate).</summary>
        public IEnumerable<string> CreateLive =>
            [OrdersTable.CreateStatement(layout.Local(OrdersTable.Name), _on, layout.IsCluster), .. layout.DistributedOver(OrdersTable.Name, "cityHash64(order_id)")];

        public IEnumerable<string> CreateCopy =>
            [OrdersTable.CreateStatement(layout.Local(Migrating), _on, layout.IsCluster), .. layout.DistributedOver(Migrating, "cityHash64(order_id)")];

        /// <summary>
        /// Every row, every column (<c>_synced_at</c> too), as it is: no block deduplication (a block that happens to
        /// equal another must not be dropped) and no collapsing of versions on insert (ReplacingMergeTree would
        /// otherwise merge each block as it is written), so the copy holds exactly the rows the table holds and the
        /// row counts can prove it. Rows of many months in one block are expected here.
        /// </summary>
        public string Copy
        {
            get
            {
                var columns = string.Join(", ", OrdersTable.AllColumns);
                var foreground = layout.IsCluster ? ", distributed_foreground_insert = 1" : "";
                return $"""
                    INSERT INTO {Migrating} ({columns})
                    SELECT {columns} FROM {OrdersTable.Name}
                    SETTINGS insert_deduplicate = 0, optimize_on_insert = 0, throw_on_max_partitions_per_insert_block = 0{foreground}
                    """;
            }
        }

        public string Exchange => $"EXCHANGE TABLES {layout.Local(OrdersTable.Name)} AND {layout.Local(Migrating)} {_on}".TrimEnd();

        /// <summary>The copy (and on a cluster its Distributed table), whatever it holds.</summary>
        public IEnumerable<string> DropCopy => layout.IsCluster
            ? [$"DROP TABLE IF EXISTS {Migrating} {_on}SYNC", $"DROP TABLE IF EXISTS {layout.Local(Migrating)} {_on}SYNC"]
            : [$"DROP TABLE IF EXISTS {Migrating} SYNC"];
    }
}
