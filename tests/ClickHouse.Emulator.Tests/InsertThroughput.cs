using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ClickHouse.Emulator.Tests;

[CollectionDefinition(DisableParallelization = true)]
public sealed class Measurements;

/// <summary>
/// Not a timed assertion: measures InsertRawStreamAsync rows/s through the emulator (run alone, after
/// the parallel tests) and prints it. Run with
/// <c>dotnet test tests/ClickHouse.Emulator.Tests --filter "FullyQualifiedName~InsertThroughput" --logger "console;verbosity=detailed"</c>.
/// </summary>
[Collection(typeof(Measurements))]
public sealed class InsertThroughput(EmulatorFixture emulator)
{
    private const int Rows = 1_000_000;
    private readonly CancellationToken ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task InsertRawStreamAsync_rows_per_second()
    {
        using var client = emulator.CreateClient();
        var db = await TestData.CreateDatabaseAsync(client);

        // The shape of the analytics table: what the sync worker streams.
        var rows = OrderRows(Rows);
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"InsertRawStreamAsync, {Rows:N0} RowBinary rows of {rows.Length / Rows} bytes, ClickHouse.Driver 1.5.0 -> emulator -> chDB 26.7:");
        foreach (var compress in new[] { false, true })
        {
            var times = new List<double>();
            for (var run = 0; run < 3; run++)
            {
                var table = $"{db}.orders_{(compress ? "gz" : "raw")}_{run}";
                await client.ExecuteNonQueryAsync(
                    $"""
                    CREATE TABLE {table} (
                        order_id UUID, version UInt32, is_deleted UInt8, region LowCardinality(String),
                        status LowCardinality(String), total Decimal(18, 2), created_at DateTime64(3), commit_lsn UInt64)
                    ENGINE = ReplacingMergeTree(version, is_deleted) ORDER BY order_id
                    """,
                    cancellationToken: ct);

                var clock = Stopwatch.StartNew();
                using (await client.InsertRawStreamAsync(table, new MemoryStream(rows, writable: false), "RowBinary", useCompression: compress, cancellationToken: ct))
                {
                }

                times.Add(clock.Elapsed.TotalSeconds);
                Assert.Equal((ulong)Rows, await TestData.ScalarAsync<ulong>(client, $"SELECT count() FROM {table}"));
            }

            times.Sort();
            report.AppendLine(CultureInfo.InvariantCulture, $"  useCompression={compress,-5} ({(compress ? "gzip" : "none")}): best {Rows / times[0]:N0} rows/s, median {Rows / times[1]:N0} rows/s ({Rows * 1.0 * rows.Length / Rows / times[1] / 1e6:N0} MB/s)");
        }

        TestContext.Current.TestOutputHelper!.WriteLine(report.ToString());
        Console.WriteLine(report.ToString());
    }

    private static byte[] OrderRows(int count)
    {
        string[] regions = ["eu-west", "us-east", "ap-south"];
        string[] statuses = ["new", "paid", "shipped", "delivered", "cancelled"];
        var random = new Random(42);
        using var buffer = new MemoryStream(count * 64);
        Span<byte> scratch = stackalloc byte[16];
        for (var i = 0; i < count; i++)
        {
            random.NextBytes(scratch);
            buffer.Write(scratch); // order_id UUID
            BinaryPrimitives.WriteUInt32LittleEndian(scratch, (uint)(i % 4) + 1);
            buffer.Write(scratch[..4]); // version
            buffer.WriteByte(0); // is_deleted
            WriteString(buffer, regions[i % regions.Length]);
            WriteString(buffer, statuses[i % statuses.Length]);
            BinaryPrimitives.WriteInt64LittleEndian(scratch, 100 + (i % 100_000)); // total, cents
            buffer.Write(scratch[..8]);
            BinaryPrimitives.WriteInt64LittleEndian(scratch, 1_735_689_600_000L + i); // created_at, ms
            buffer.Write(scratch[..8]);
            BinaryPrimitives.WriteUInt64LittleEndian(scratch, (ulong)i * 64); // commit_lsn
            buffer.Write(scratch[..8]);
        }

        return buffer.ToArray();
    }

    private static void WriteString(MemoryStream buffer, string value)
    {
        buffer.WriteByte((byte)value.Length); // varint, < 128
        buffer.Write(Encoding.ASCII.GetBytes(value));
    }
}
