using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using PolyglotAspire.Contracts.Analytics;

namespace PolyglotAspire.Analytics.Partitions;

/// <summary>
/// Reads <see cref="PartsSnapshot"/> from <c>system.parts</c> (the reader's grant: <c>SELECT ON system.parts</c>,
/// AppHost/ClickHouse/users.xml). One small query; its cost is what a cached answer costs.
/// </summary>
public sealed class PartsSnapshotReader(IClickHouseClient client)
{
    private const string Sql = """
        SELECT partition_id,
               concat((SELECT toString(any(uuid)) FROM system.tables WHERE database = currentDatabase() AND name = {table:String}),
                      ' ', arrayStringConcat(arraySort(groupArray(concat(name, ':', hash_of_all_files))), ' ')) AS signature
        FROM system.parts
        WHERE database = currentDatabase() AND table = {table:String} AND active
        GROUP BY partition_id
        """;

    public async Task<PartsSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("table", OrdersTable.Name);
        using var reader = await client.ExecuteReaderAsync(Sql, parameters, cancellationToken: cancellationToken);
        var signatures = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read())
        {
            signatures[reader.GetString(0)] = reader.GetString(1);
        }

        return signatures.Count == 0 ? PartsSnapshot.None : new PartsSnapshot(signatures);
    }
}
