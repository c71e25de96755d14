using System.Diagnostics;
using ClickHouse.Driver;
using Npgsql;
using NpgsqlTypes;
using PolyglotAspire.Contracts.Analytics;
using Spectre.Console;

namespace PolyglotAspire.Load.Scenarios;

/// <summary>
/// A large, fixed order book (same seed, same rows on every call): two years of orders from 200k customers with a
/// realistic status mix, loaded fast into PostgreSQL (binary COPY, then ANALYZE) and/or ClickHouse (RowBinary insert)
/// without going through the write path, so scenarios can ask analytics questions of a big table in minutes.
/// With <c>updateShare</c> > 0 that share of the orders has moved one status on since it was created: PostgreSQL
/// holds the current row, ClickHouse both versions (the newer ones inserted afterwards, in parts of their own, as the
/// pipeline would have written them), so <c>FINAL</c> has versions to collapse.
/// </summary>
internal static class OrderBook
{
    /// <summary>Every this many orders one is kept in <see cref="Loaded.Sample"/>.</summary>
    private const int SampleEvery = 97;

    /// <summary>What was loaded: how long each store took, and a sample of orders with their current status.</summary>
    public sealed record Loaded(TimeSpan Postgres, TimeSpan ClickHouse, IReadOnlyList<(Guid Id, string Status)> Sample);

    private static readonly string[] Regions = ["eu-west", "eu-north", "eu-south", "us-east", "us-west", "ap-south", "ap-east", "sa-east"];
    private static readonly string[] Currencies = ["EUR", "USD", "GBP"];
    private static readonly (string Status, int Weight, int Version)[] StatusMix =
        [("new", 15, 1), ("paid", 30, 2), ("shipped", 25, 3), ("delivered", 20, 4), ("cancelled", 10, 2)];

    /// <summary>Loads the same <paramref name="count"/> orders into both stores, with a progress bar; returns how long each took.</summary>
    public static async Task<(TimeSpan Postgres, TimeSpan ClickHouse)> LoadAsync(NpgsqlDataSource pg, ClickHouseClient ch, int count, CancellationToken cancellationToken)
    {
        var loaded = await LoadAsync(pg, ch, count, updateShare: 0, cancellationToken);
        return (loaded.Postgres, loaded.ClickHouse);
    }

    /// <summary>Loads the orders, <paramref name="updateShare"/> of them moved one status on (see the class summary).</summary>
    public static async Task<Loaded> LoadAsync(NpgsqlDataSource pg, ClickHouseClient ch, int count, double updateShare, CancellationToken cancellationToken)
    {
        var (postgres, clickHouse) = (TimeSpan.Zero, TimeSpan.Zero);
        var updateEvery = UpdateEvery(updateShare);
        await AnsiConsole.Progress().StartAsync(async progress =>
        {
            var pgTask = progress.AddTask("PostgreSQL: COPY", maxValue: count);
            var started = Stopwatch.GetTimestamp();
            await CopyIntoPostgresAsync(pg, count, updateEvery, pgTask, cancellationToken);
            postgres = Stopwatch.GetElapsedTime(started);
            pgTask.Value = count;

            var chTask = progress.AddTask("ClickHouse: insert", maxValue: count);
            started = Stopwatch.GetTimestamp();
            await InsertIntoClickHouseAsync(ch, Generate(count, 0), chTask, cancellationToken);
            if (updateEvery > 0)
            {
                // The newer versions, afterwards: parts of their own, as the pipeline would have written them later.
                await InsertIntoClickHouseAsync(ch, Generate(count, updateEvery).Where(o => o.Updated), null, cancellationToken);
            }

            clickHouse = Stopwatch.GetElapsedTime(started);
        });

        return new Loaded(postgres, clickHouse, Sample(count, updateEvery));
    }

    /// <summary>
    /// Loads the orders (<paramref name="updateShare"/> of them moved one status on) into PostgreSQL only, as the
    /// source of truth a ClickHouse is rebuilt from; returns how long it took and the sample.
    /// </summary>
    public static async Task<Loaded> LoadPostgresAsync(NpgsqlDataSource pg, int count, double updateShare, CancellationToken cancellationToken)
    {
        var updateEvery = UpdateEvery(updateShare);
        var started = Stopwatch.GetTimestamp();
        await AnsiConsole.Progress().StartAsync(progress =>
            CopyIntoPostgresAsync(pg, count, updateEvery, progress.AddTask("PostgreSQL: COPY", maxValue: count), cancellationToken));
        return new Loaded(Stopwatch.GetElapsedTime(started), TimeSpan.Zero, Sample(count, updateEvery));
    }

    private static int UpdateEvery(double updateShare) => updateShare <= 0 ? 0 : Math.Max(1, (int)Math.Round(1 / updateShare));

    private static List<(Guid Id, string Status)> Sample(int count, int updateEvery) =>
        Generate(count, updateEvery).Where(o => o.Sequence % SampleEvery == 0).Select(o => (o.Id, o.Status)).ToList();

    private static async Task CopyIntoPostgresAsync(NpgsqlDataSource pg, int count, int updateEvery, ProgressTask progress, CancellationToken cancellationToken)
    {
        // One COPY (one transaction) per million rows, each followed by the relay catching up and a checkpoint: the
        // relay's slot holds the WAL of a transaction until it has decoded all of it, so a single 10M-row COPY kept
        // tens of GB of WAL (and filled the disk) before any of it could be recycled. The secondary indexes are built
        // afterwards: kept during the load, their random inserts wrote ~4 KB of WAL per row (full-page images after
        // every checkpoint), 4 GB per chunk, more than the slot may retain (max_slot_wal_keep_size), and it was lost.
        await using var connection = await pg.OpenConnectionAsync(cancellationToken);
        var indexes = await DropSecondaryIndexesAsync(connection, cancellationToken);
        foreach (var chunk in Generate(count, updateEvery).Chunk(1_000_000))
        {
            await using (var copy = await connection.BeginBinaryImportAsync(
                "COPY orders (id, customer_id, region, currency, status, total, created_at, updated_at, version) FROM STDIN (FORMAT BINARY)", cancellationToken))
            {
                foreach (var o in chunk)
                {
                    await copy.StartRowAsync(cancellationToken);
                    await copy.WriteAsync(o.Id, NpgsqlDbType.Uuid, cancellationToken);
                    await copy.WriteAsync(o.CustomerId, NpgsqlDbType.Text, cancellationToken);
                    await copy.WriteAsync(o.Region, NpgsqlDbType.Text, cancellationToken);
                    await copy.WriteAsync(o.Currency, NpgsqlDbType.Text, cancellationToken);
                    await copy.WriteAsync(o.Status, NpgsqlDbType.Text, cancellationToken);
                    await copy.WriteAsync(o.Total, NpgsqlDbType.Numeric, cancellationToken);
                    await copy.WriteAsync(o.CreatedAt, NpgsqlDbType.TimestampTz, cancellationToken);
                    await copy.WriteAsync(o.UpdatedAt, NpgsqlDbType.TimestampTz, cancellationToken);
                    await copy.WriteAsync(o.Version, NpgsqlDbType.Integer, cancellationToken);
                }

                await copy.CompleteAsync(cancellationToken);
            }

            progress.Increment(chunk.Length);
            await RelayCatchUp.SettleAsync(connection, cancellationToken);
        }

        foreach (var definition in indexes)
        {
            await using var create = new NpgsqlCommand(definition, connection) { CommandTimeout = 0 };
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await RelayCatchUp.SettleAsync(connection, cancellationToken);
        await using var analyze = new NpgsqlCommand("ANALYZE orders", connection);
        await analyze.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Drops the indexes of <c>orders</c> other than its primary key; returns their definitions, to build them again.</summary>
    private static async Task<List<string>> DropSecondaryIndexesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var definitions = new List<(string Name, string Definition)>();
        await using (var read = new NpgsqlCommand(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = 'orders'::regclass AND NOT i.indisprimary", connection))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                definitions.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        foreach (var (name, _) in definitions)
        {
            await using var drop = new NpgsqlCommand($"DROP INDEX {name}", connection);
            await drop.ExecuteNonQueryAsync(cancellationToken);
        }

        return [.. definitions.Select(d => d.Definition)];
    }

    private static async Task InsertIntoClickHouseAsync(ClickHouseClient ch, IEnumerable<GeneratedOrder> orders, ProgressTask? progress, CancellationToken cancellationToken)
    {
        string[] columns = ["order_id", "version", "is_deleted", "customer_id", "region", "currency", "status", "total",
            "created_at", "line_count", "commit_lsn", "commit_time", "event_id"];
        foreach (var chunk in orders.Chunk(1_000_000))
        {
            await ch.InsertBinaryAsync(OrdersTable.Name, columns, chunk.Select(o => new object[]
            {
                o.Id, (uint)o.Version, (byte)0, o.CustomerId, o.Region, o.Currency, o.Status, o.Total,
                o.CreatedAt, (ushort)o.LineCount, (ulong)o.Sequence, o.UpdatedAt, o.EventId,
            }), cancellationToken: cancellationToken);
            progress?.Increment(chunk.Length);
        }
    }

    private sealed record GeneratedOrder(
        long Sequence, Guid Id, string CustomerId, string Region, string Currency, string Status, decimal Total,
        DateTime CreatedAt, DateTime UpdatedAt, int Version, int LineCount, Guid EventId, bool Updated = false);

    /// <summary>One status on from <paramref name="status"/> (new → paid → shipped → delivered), or null at the end.</summary>
    private static string? NextStatus(string status) => status switch
    {
        "new" => "paid",
        "paid" => "shipped",
        "shipped" => "delivered",
        _ => null,
    };

    /// <summary>
    /// The same order book on every call (fixed seed). With <paramref name="updateEvery"/> > 0, every that many orders
    /// is one status on, with the next version (and a new event id); the others are as created.
    /// </summary>
    private static IEnumerable<GeneratedOrder> Generate(int count, int updateEvery)
    {
        foreach (var order in Generate(count))
        {
            yield return updateEvery > 0 && order.Sequence % updateEvery == 0 && NextStatus(order.Status) is { } next
                ? order with
                {
                    Status = next,
                    Version = order.Version + 1,
                    UpdatedAt = order.UpdatedAt.AddHours(12),
                    EventId = Guid.CreateVersion7(order.UpdatedAt.AddHours(12)),
                    Updated = true,
                }
                : order;
        }
    }

    private static IEnumerable<GeneratedOrder> Generate(int count)
    {
        var random = new Random(20261125);
        var end = DateTime.UtcNow.Date.AddDays(1);
        var span = TimeSpan.FromDays(730).Ticks;
        var totalWeight = StatusMix.Sum(s => s.Weight);
        var customers = Enumerable.Range(0, 200_000).Select(c => $"C-{c:D6}").ToArray();
        for (long i = 1; i <= count; i++)
        {
            var created = end.AddTicks(-(long)(random.NextDouble() * span));
            created = new DateTime(created.Ticks - (created.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
            var pick = random.Next(totalWeight);
            var (status, _, version) = StatusMix.First(s => (pick -= s.Weight) < 0);
            yield return new GeneratedOrder(
                i,
                TimeOrderedGuid(random, created),
                customers[random.Next(customers.Length)],
                Regions[random.Next(Regions.Length)],
                Currencies[random.Next(Currencies.Length)],
                status,
                decimal.Round(1m + ((decimal)random.NextDouble() * 499m), 2),
                created,
                created.AddMinutes(random.Next(0, 60 * 24 * version)),
                version,
                random.Next(1, 6),
                TimeOrderedGuid(random, created));
        }
    }

    /// <summary>A UUIDv7 (time-ordered, like Orders.Api's ids) whose random bits come from the seeded generator.</summary>
    private static Guid TimeOrderedGuid(Random random, DateTime time)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        var ms = new DateTimeOffset(time).ToUnixTimeMilliseconds();
        for (var i = 0; i < 6; i++)
        {
            bytes[i] = (byte)(ms >> (8 * (5 - i)));
        }

        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F));
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
        return new Guid(bytes, bigEndian: true);
    }
}
