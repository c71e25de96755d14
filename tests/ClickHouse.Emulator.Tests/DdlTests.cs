namespace ClickHouse.Emulator.Tests;

public sealed class DdlTests(EmulatorFixture emulator)
{
    private readonly CancellationToken ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Create_and_drop_database_and_tables()
    {
        using var client = emulator.CreateClient();
        var db = "ddl_" + Guid.NewGuid().ToString("N")[..8];
        await client.ExecuteNonQueryAsync($"CREATE DATABASE {db}", cancellationToken: ct);
        await client.ExecuteNonQueryAsync($"CREATE TABLE {db}.t (id UInt64) ENGINE = MergeTree ORDER BY id", cancellationToken: ct);
        Assert.Equal(1, await TestData.ScalarAsync<int>(client, $"EXISTS TABLE {db}.t"));

        await client.ExecuteNonQueryAsync($"DROP TABLE {db}.t", cancellationToken: ct);
        Assert.Equal(0, await TestData.ScalarAsync<int>(client, $"EXISTS TABLE {db}.t"));

        await client.ExecuteNonQueryAsync($"DROP DATABASE {db}", cancellationToken: ct);
        Assert.Equal(0UL, await TestData.ScalarAsync<ulong>(client, $"SELECT count() FROM system.databases WHERE name = '{db}'"));
    }

    [Fact]
    public async Task ReplacingMergeTree_FINAL_keeps_the_latest_version_and_drops_deleted_rows()
    {
        using var client = emulator.CreateClient();
        var db = await TestData.CreateDatabaseAsync(client);
        await client.ExecuteNonQueryAsync(
            $"""
            CREATE TABLE {db}.orders
            (
                order_id UInt64,
                version UInt32,
                is_deleted UInt8,
                status LowCardinality(String),
                total Decimal(18, 2)
            )
            ENGINE = ReplacingMergeTree(version, is_deleted)
            ORDER BY order_id
            """,
            cancellationToken: ct);

        // Separate inserts make separate parts; with merges stopped only FINAL can collapse them.
        // An out-of-order redelivery (version 1 after 2) must lose.
        await client.ExecuteNonQueryAsync($"SYSTEM STOP MERGES {db}.orders", cancellationToken: ct);
        string[] inserts =
        [
            "(1, 1, 0, 'new', 10.00)",
            "(1, 2, 0, 'paid', 20.50)",
            "(1, 1, 0, 'new', 10.00)",
            "(2, 1, 0, 'new', 5.25)",
            "(2, 2, 1, 'new', 5.25)",
            "(3, 1, 0, 'shipped', 7.00)",
        ];
        foreach (var row in inserts)
        {
            await client.ExecuteNonQueryAsync($"INSERT INTO {db}.orders VALUES {row}", cancellationToken: ct);
        }

        Assert.Equal(6UL, await TestData.ScalarAsync<ulong>(client, $"SELECT count() FROM {db}.orders"));
        Assert.Equal(2UL, await TestData.ScalarAsync<ulong>(client, $"SELECT count() FROM {db}.orders FINAL"));
        Assert.Equal(27.50m, await TestData.ScalarAsync<decimal>(client, $"SELECT sum(total) FROM {db}.orders FINAL"));
        Assert.Equal("paid", await TestData.ScalarAsync<string>(client, $"SELECT status FROM {db}.orders FINAL WHERE order_id = 1"));

        await client.ExecuteNonQueryAsync($"DROP DATABASE {db}", cancellationToken: ct);
    }
}
