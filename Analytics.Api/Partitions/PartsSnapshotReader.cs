using System.Collections;
using System.Globalization;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using PolyglotAspire.Contracts.Analytics;

namespace PolyglotAspire.Analytics.Partitions;

/// <summary>
/// Reads <see cref="PartsSnapshot"/> from <c>system.parts</c> (the reader's grant: <c>SELECT ON system.parts</c>,
/// AppHost/ClickHouse/users.xml). One small query; its cost is what a reused answer costs.
/// </summary>
public sealed class PartsSnapshotReader(IClickHouseClient client)
{
    private const string Sql = """
        SELECT partition_id,
               (SELECT toString(any(uuid)) FROM system.tables WHERE database = currentDatabase() AND name = {table:String}) AS table_uuid,
               groupArray(min_block_number), groupArray(max_block_number), groupArray(data_version), groupArray(rows),
               groupArray(min_time), groupArray(max_time), groupArray(name)
        FROM system.parts
        WHERE database = currentDatabase() AND table = {table:String} AND active
        GROUP BY partition_id
        """;

    public async Task<PartsSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("table", OrdersTable.Name);
        using var reader = await client.ExecuteReaderAsync(Sql, parameters, cancellationToken: cancellationToken);
        var partitions = new Dictionary<string, PartitionParts>(StringComparer.Ordinal);
        while (reader.Read())
        {
            var (min, max, version, rows) = (Longs(reader.GetValue(2)), Longs(reader.GetValue(3)), Longs(reader.GetValue(4)), Longs(reader.GetValue(5)));
            var (first, last, names) = (Times(reader.GetValue(6)), Times(reader.GetValue(7)), ((IEnumerable)reader.GetValue(8)).Cast<string>().ToArray());
            partitions[reader.GetString(0)] = new PartitionParts(reader.GetString(1), [.. min.Select((m, i) => new PartBlocks(names[i], m, max[i], version[i], rows[i], first[i], last[i]))]);
        }

        return partitions.Count == 0 ? PartsSnapshot.None : new PartsSnapshot(partitions);
    }

    private static DateTime[] Times(object array) => [.. ((IEnumerable)array).Cast<DateTime>()];

    private static long[] Longs(object array) => [.. ((IEnumerable)array).Cast<object>().Select(v => Convert.ToInt64(v, CultureInfo.InvariantCulture))];
}
