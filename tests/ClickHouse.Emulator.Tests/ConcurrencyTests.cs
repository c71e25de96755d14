using ClickHouse.Driver;

namespace ClickHouse.Emulator.Tests;

public sealed class ConcurrencyTests(EmulatorFixture emulator)
{
    private readonly CancellationToken ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Concurrent_inserts_and_queries_are_all_correct()
    {
        using var client = emulator.CreateClient();
        var db = await TestData.CreateDatabaseAsync(client);
        await client.ExecuteNonQueryAsync($"CREATE TABLE {db}.c (id UInt64, value Int64) ENGINE = MergeTree ORDER BY id", cancellationToken: ct);

        const int writers = 8, rowsPerWriter = 50_000;
        var inserts = Enumerable.Range(0, writers).Select(async w =>
        {
            using var response = await client.InsertRawStreamAsync($"{db}.c", new RowBinaryStream(w * 1_000_000L, rowsPerWriter), "RowBinary", ["id", "value"], cancellationToken: ct);
        });

        // Readers run alongside, half of them with a restrictive per-request setting that must
        // neither leak into the others nor be lost.
        var reads = Enumerable.Range(0, 16).Select(async r =>
        {
            if (r % 2 == 0)
            {
                var options = new QueryOptions { CustomSettings = new Dictionary<string, object> { ["max_result_rows"] = 1, ["result_overflow_mode"] = "throw" } };
                var error = await Assert.ThrowsAsync<ClickHouseServerException>(async () =>
                {
                    using var reader = await client.ExecuteReaderAsync("SELECT number FROM numbers(10)", options: options, cancellationToken: ct);
                    while (reader.Read())
                    {
                    }
                });
                Assert.Equal(396, error.ErrorCode);
            }
            else
            {
                var n = 100_000 + r;
                Assert.Equal((ulong)n * (ulong)(n - 1) / 2, await TestData.ScalarAsync<ulong>(client, $"SELECT sum(number) FROM numbers({n})"));
            }
        });

        await Task.WhenAll(inserts.Concat(reads));

        Assert.Equal((ulong)(writers * rowsPerWriter), await TestData.ScalarAsync<ulong>(client, $"SELECT count() FROM {db}.c"));
        for (var w = 0; w < writers; w++)
        {
            long first = w * 1_000_000L, last = first + rowsPerWriter - 1;
            var expected = (first + last) * rowsPerWriter / 2;
            Assert.Equal(expected, await TestData.ScalarAsync<long>(client, $"SELECT sum(id) FROM {db}.c WHERE id BETWEEN {first} AND {last}"));
        }

        Assert.Equal(0UL, await TestData.ScalarAsync<ulong>(client, $"SELECT countIf(value != id * 3 - 7) FROM {db}.c"));
    }

    [Fact]
    public async Task A_slow_query_does_not_hold_up_others()
    {
        using var client = emulator.CreateClient();
        var marker = "slow_" + Guid.NewGuid().ToString("N");
        // 3 s (three blocks of one row, each sleeping 1 s): the fast queries below get seconds, not a sliver, to pass it
        // even on a loaded machine where the probe may only see it running late.
        var slow = client.ExecuteScalarAsync($"SELECT sleepEachRow(1) /* {marker} */ FROM numbers(3) SETTINGS max_block_size = 1", cancellationToken: ct);

        // Wait (by condition, bounded) until the engine is running it; were requests serialized,
        // this probe itself would only get through after the slow query and time out.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await TestData.ScalarAsync<ulong>(client, $"SELECT count() FROM system.processes WHERE query LIKE '%{marker} */%' AND query NOT LIKE '%system.processes%'") == 0)
        {
            Assert.True(DateTime.UtcNow < deadline && !slow.IsCompleted, "the slow query never showed up as running next to another request");
        }

        var fast = Task.WhenAll(Enumerable.Range(0, 5).Select(i => TestData.ScalarAsync<int>(client, $"SELECT {i}")));
        Assert.Same(fast, await Task.WhenAny(slow, fast));
        var values = await fast;
        Assert.Equal([0, 1, 2, 3, 4], values);

        await slow;
    }
}
