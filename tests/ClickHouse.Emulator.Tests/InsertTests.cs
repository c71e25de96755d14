using ClickHouse.Driver;

namespace ClickHouse.Emulator.Tests;

/// <summary>Bulk inserts through the driver's two insert paths, checked to the last row.</summary>
public sealed class InsertTests(EmulatorFixture emulator)
{
    private const int Rows = 1_000_000;
    private readonly CancellationToken ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task InsertBinaryAsync_of_a_million_rows_is_exact()
    {
        using var client = emulator.CreateClient();
        var db = await TestData.CreateDatabaseAsync(client);
        await client.ExecuteNonQueryAsync(
            $"CREATE TABLE {db}.events (id UInt64, region LowCardinality(String), amount Decimal(18, 2), at DateTime64(3)) ENGINE = MergeTree ORDER BY id",
            cancellationToken: ct);

        var epoch = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        string[] regions = ["eu", "us", "apac"];
        var rows = Enumerable.Range(0, Rows).Select(i => new object[]
        {
            (ulong)i,
            regions[i % 3],
            (i % 1000) / 100m, // 0.00 … 9.99
            epoch.AddMilliseconds(i),
        });

        var written = await client.InsertBinaryAsync($"{db}.events", ["id", "region", "amount", "at"], rows, cancellationToken: ct);

        Assert.Equal(Rows, written);
        Assert.Equal((ulong)Rows, await TestData.ScalarAsync<ulong>(client, $"SELECT count() FROM {db}.events"));
        Assert.Equal(499_999_500_000UL, await TestData.ScalarAsync<ulong>(client, $"SELECT sum(id) FROM {db}.events"));
        Assert.Equal(4_995_000.00m, await TestData.ScalarAsync<decimal>(client, $"SELECT sum(amount) FROM {db}.events"));
        Assert.Equal(333_334UL, await TestData.ScalarAsync<ulong>(client, $"SELECT count() FROM {db}.events WHERE region = 'eu'"));
        Assert.Equal(
            epoch.AddMilliseconds(Rows - 1),
            await TestData.ScalarAsync<DateTime>(client, $"SELECT max(at) FROM {db}.events"));
    }

    [Fact]
    public async Task InsertRawStreamAsync_of_a_million_RowBinary_rows_is_exact()
    {
        using var client = emulator.CreateClient();
        var db = await TestData.CreateDatabaseAsync(client);
        await client.ExecuteNonQueryAsync($"CREATE TABLE {db}.raw (id UInt64, value Int64) ENGINE = MergeTree ORDER BY id", cancellationToken: ct);

        using (var response = await client.InsertRawStreamAsync($"{db}.raw", new RowBinaryStream(1, Rows), "RowBinary", ["id", "value"], cancellationToken: ct))
        {
            Assert.Contains($"\"written_rows\":\"{Rows}\"", response.Headers.GetValues("X-ClickHouse-Summary").Single(), StringComparison.Ordinal);
        }

        const long sumOfIds = (long)Rows * (Rows + 1) / 2;
        Assert.Equal((ulong)Rows, await TestData.ScalarAsync<ulong>(client, $"SELECT count() FROM {db}.raw"));
        Assert.Equal(sumOfIds, await TestData.ScalarAsync<long>(client, $"SELECT sum(id) FROM {db}.raw"));
        Assert.Equal((sumOfIds * 3) - (7L * Rows), await TestData.ScalarAsync<long>(client, $"SELECT sum(value) FROM {db}.raw"));
        Assert.Equal(0UL, await TestData.ScalarAsync<ulong>(client, $"SELECT countIf(value != id * 3 - 7) FROM {db}.raw"));
    }

    [Fact]
    public async Task Insert_deduplication_token_writes_a_batch_once()
    {
        using var client = emulator.CreateClient();
        var db = await TestData.CreateDatabaseAsync(client);
        await client.ExecuteNonQueryAsync(
            $"CREATE TABLE {db}.dedup (id UInt64, value Int64) ENGINE = MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 100",
            cancellationToken: ct);

        InsertOptions WithToken(string token) => new() { CustomSettings = new Dictionary<string, object> { ["insert_deduplication_token"] = token } };
        var rows = Enumerable.Range(1, 1000).Select(i => new object[] { (ulong)i, (long)i }).ToArray();

        await client.InsertBinaryAsync($"{db}.dedup", ["id", "value"], rows, WithToken("batch-1"), ct);
        await client.InsertBinaryAsync($"{db}.dedup", ["id", "value"], rows, WithToken("batch-1"), ct); // redelivery
        Assert.Equal(1000UL, await TestData.ScalarAsync<ulong>(client, $"SELECT count() FROM {db}.dedup"));

        await client.InsertBinaryAsync($"{db}.dedup", ["id", "value"], rows, WithToken("batch-2"), ct);
        Assert.Equal(2000UL, await TestData.ScalarAsync<ulong>(client, $"SELECT count() FROM {db}.dedup"));

        // The raw-stream path carries the token the same way.
        var raw = new QueryOptions { CustomSettings = new Dictionary<string, object> { ["insert_deduplication_token"] = "raw-1" } };
        for (var i = 0; i < 2; i++)
        {
            using var response = await client.InsertRawStreamAsync($"{db}.dedup", new RowBinaryStream(5000, 10), "RowBinary", ["id", "value"], options: raw, cancellationToken: ct);
        }

        Assert.Equal(2010UL, await TestData.ScalarAsync<ulong>(client, $"SELECT count() FROM {db}.dedup"));
    }
}
