using System.Diagnostics;
using ClickHouse.Driver;
using Npgsql;
using NpgsqlTypes;
using PolyglotAspire.Analytics.Queries;
using PolyglotAspire.AppHost.Infrastructure;
using Spectre.Console;

namespace PolyglotAspire.Load.Scenarios;

/// <summary>
/// Analytics over a large order book: loads the same N orders (default 10 M) into PostgreSQL and ClickHouse, then
/// asks each question of both stores through the very code Analytics.Api runs (its ClickHouse and PostgreSQL
/// stores), interleaved so both see the same machine noise, plus through the HTTP API (eventual, ClickHouse).
/// </summary>
internal sealed class AnalyticsScenario : IScenario
{
    private static readonly string[] Regions = ["eu-west", "eu-north", "eu-south", "us-east", "us-west", "ap-south", "ap-east", "sa-east"];
    private static readonly string[] Currencies = ["EUR", "USD", "GBP"];
    private static readonly (string Status, int Weight, int Version)[] StatusMix =
        [("new", 15, 1), ("paid", 30, 2), ("shipped", 25, 3), ("delivered", 20, 4), ("cancelled", 10, 2)];

    public string Name => "analytics";

    public string Description => "p50/p99 of each analytics question over N orders (default 10M): ClickHouse vs PostgreSQL on the same data";

    public async Task<ScenarioResult> RunAsync(LocalApp app, ScenarioOptions options, CancellationToken cancellationToken)
    {
        var orders = options.GetInt("orders", 10_000_000);
        var iterations = options.GetInt("iterations", 30);
        var result = new ScenarioResult(Name, $"dotnet run -c Release --project perf/PolyglotAspire.Load -- analytics --orders {orders} --iterations {iterations}");

        await using var pg = NpgsqlDataSource.Create(await app.ConnectionStringAsync(EnginesExtensions.OrdersDbName));
        using var ch = new ClickHouseClient(await app.ConnectionStringAsync(EnginesExtensions.ClickHouseName));

        var (pgLoad, chLoad) = await LoadAsync(pg, ch, orders, cancellationToken);
        result.AddTable("Load (the same rows into both stores)", "store", "rows", "seconds", "rows/s")
            .Row("PostgreSQL (binary COPY, then ANALYZE)", orders, pgLoad.TotalSeconds, orders / pgLoad.TotalSeconds)
            .Row("ClickHouse (RowBinary insert)", orders, chLoad.TotalSeconds, orders / chLoad.TotalSeconds);
        var parts = await ch.ExecuteScalarAsync("SELECT count() FROM system.parts WHERE table = 'orders' AND active", cancellationToken: cancellationToken);
        result.Notes.Add($"ClickHouse `orders` had {parts} active parts while measured (no OPTIMIZE: background merges only).");

        var olap = new ClickHouseAnalyticsStore(ch);
        var oltp = new PostgresAnalyticsStore(pg);
        var today = DateTime.UtcNow.Date;
        var last30 = new TimeRange(today.AddDays(-29), today.AddDays(1));
        var last30Query = $"from={last30.From:yyyy-MM-dd}&to={today:yyyy-MM-dd}";
        (string Question, string Path, Func<IAnalyticsStore, CancellationToken, Task> Ask)[] questions =
        [
            ("revenue by region, all time", "revenue?groupBy=region", (s, ct) => s.RevenueAsync(GroupBy.Region, TimeRange.All, null, ct)),
            ("revenue by month, all time", "revenue?groupBy=month", (s, ct) => s.RevenueAsync(GroupBy.Month, TimeRange.All, null, ct)),
            ("revenue by status, all time", "revenue?groupBy=status", (s, ct) => s.RevenueAsync(GroupBy.Status, TimeRange.All, null, ct)),
            ("revenue by day, last 30 days", $"revenue?groupBy=day&{last30Query}", (s, ct) => s.RevenueAsync(GroupBy.Day, last30, null, ct)),
            ("revenue by day, one region, last 30 days", $"revenue?groupBy=day&region=eu-west&{last30Query}", (s, ct) => s.RevenueAsync(GroupBy.Day, last30, "eu-west", ct)),
            ("top 10 customers, all time", "top-customers?limit=10", (s, ct) => s.TopCustomersAsync(TimeRange.All, 10, ct)),
            ("summary, all time", "summary", (s, ct) => s.ByStatusAsync(TimeRange.All, ct)),
            ("summary, last 30 days", $"summary?{last30Query}", (s, ct) => s.ByStatusAsync(last30, ct)),
        ];

        using var http = app.CreateHttpClient("analytics-api");
        var table = result.AddTable($"Each question over {orders:N0} orders ({iterations} runs each after 3 warm-up runs; ms)",
            "question", "ClickHouse p50", "ClickHouse p99", "PostgreSQL p50", "PostgreSQL p99", "PostgreSQL ÷ ClickHouse (p50)", "API (HTTP, olap) p50", "API p99");
        await AnsiConsole.Progress().StartAsync(async progress =>
        {
            var task = progress.AddTask("asking both stores", maxValue: questions.Length * (iterations + 3));
            foreach (var (question, path, ask) in questions)
            {
                var (chLatency, pgLatency, apiLatency) = (new Latency(), new Latency(), new Latency());
                for (var i = -3; i < iterations; i++)
                {
                    var warm = i < 0;
                    await Measure(warm ? null : chLatency, () => ask(olap, cancellationToken));
                    await Measure(warm ? null : pgLatency, () => ask(oltp, cancellationToken));
                    await Measure(warm ? null : apiLatency, async () =>
                    {
                        using var response = await http.GetAsync(new Uri($"/api/analytics/{path}", UriKind.Relative), cancellationToken);
                        response.EnsureSuccessStatusCode();
                    });
                    task.Increment(1);
                }

                table.Row(question, chLatency.Ms(50), chLatency.Ms(99), pgLatency.Ms(50), pgLatency.Ms(99),
                    $"{pgLatency.Ms(50) / chLatency.Ms(50):0.0}×", apiLatency.Ms(50), apiLatency.Ms(99));
            }
        });

        result.Notes.Add("ClickHouse answers with FINAL (exact under updates, deletes and redeliveries) through ClickHouseAnalyticsStore; PostgreSQL through PostgresAnalyticsStore with the schema's indexes.");
        result.Notes.Add("The API column is the same ClickHouse question end to end (HTTP, routing, freshness lookup, JSON).");
        return result;
    }

    private static async Task Measure(Latency? latency, Func<Task> action)
    {
        var started = Stopwatch.GetTimestamp();
        await action();
        latency?.Record(Stopwatch.GetElapsedTime(started));
    }

    private static async Task<(TimeSpan Postgres, TimeSpan ClickHouse)> LoadAsync(NpgsqlDataSource pg, ClickHouseClient ch, int count, CancellationToken cancellationToken)
    {
        var (postgres, clickHouse) = (TimeSpan.Zero, TimeSpan.Zero);
        await AnsiConsole.Progress().StartAsync(async progress =>
        {
            var pgTask = progress.AddTask("PostgreSQL: COPY", maxValue: count);
            var started = Stopwatch.GetTimestamp();
            await using (var connection = await pg.OpenConnectionAsync(cancellationToken))
            {
                await using (var copy = await connection.BeginBinaryImportAsync(
                    "COPY orders (id, customer_id, region, currency, status, total, created_at, updated_at, version) FROM STDIN (FORMAT BINARY)", cancellationToken))
                {
                    foreach (var o in Generate(count))
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
                        if (o.Sequence % 100_000 == 0)
                        {
                            pgTask.Increment(100_000);
                        }
                    }

                    await copy.CompleteAsync(cancellationToken);
                }

                await using var analyze = new NpgsqlCommand("ANALYZE orders", connection);
                await analyze.ExecuteNonQueryAsync(cancellationToken);
            }

            postgres = Stopwatch.GetElapsedTime(started);
            pgTask.Value = count;

            var chTask = progress.AddTask("ClickHouse: insert", maxValue: count);
            started = Stopwatch.GetTimestamp();
            string[] columns = ["order_id", "version", "is_deleted", "customer_id", "region", "currency", "status", "total",
                "created_at", "line_count", "commit_lsn", "commit_time", "event_id"];
            foreach (var chunk in Generate(count).Chunk(1_000_000))
            {
                await ch.InsertBinaryAsync("orders", columns, chunk.Select(o => new object[]
                {
                    o.Id, (uint)o.Version, (byte)0, o.CustomerId, o.Region, o.Currency, o.Status, o.Total,
                    o.CreatedAt, (ushort)o.LineCount, (ulong)o.Sequence, o.UpdatedAt, o.EventId,
                }), cancellationToken: cancellationToken);
                chTask.Increment(chunk.Length);
            }

            clickHouse = Stopwatch.GetElapsedTime(started);
        });

        return (postgres, clickHouse);
    }

    private sealed record GeneratedOrder(
        long Sequence, Guid Id, string CustomerId, string Region, string Currency, string Status, decimal Total,
        DateTime CreatedAt, DateTime UpdatedAt, int Version, int LineCount, Guid EventId);

    /// <summary>The same order book on every call (fixed seed): two years of orders from 200k customers.</summary>
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
