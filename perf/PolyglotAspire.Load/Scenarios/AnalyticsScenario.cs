using System.Diagnostics;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO;
using Npgsql;
using PolyglotAspire.Analytics;
using PolyglotAspire.Analytics.Partitions;
using PolyglotAspire.Analytics.Queries;
using PolyglotAspire.AppHost.Infrastructure;
using PolyglotAspire.Contracts.Analytics;
using PolyglotAspire.Load.Scenarios.Analytics;
using Spectre.Console;

namespace PolyglotAspire.Load.Scenarios;

/// <summary>
/// Analytics over a large order book: loads the same N orders (default 10 M; a quarter of them with a newer version)
/// into PostgreSQL and ClickHouse, then asks each question of both stores through the very code Analytics.Api runs
/// (its ClickHouse store with the per-partition cache, connected as the API's read-only user, and its PostgreSQL
/// store), interleaved so both see the same machine noise, plus through the HTTP API (eventual, ClickHouse). Twice:
/// with nothing being written (static), then while orders are written through Orders.Api (under writes), so parts
/// keep arriving and cached partitions keep being invalidated.
/// </summary>
internal sealed class AnalyticsScenario : IScenario
{
    public string Name => "analytics";

    public string Description => "p50/p99 of each analytics question over N orders (default 10M): ClickHouse vs PostgreSQL on the same data, static and under writes";

    public IReadOnlyList<string> Options { get; } = ["orders", "iterations", "write-rate", "old-write-percent"];

    public async Task<ScenarioResult> RunAsync(LocalApp app, ScenarioOptions options, CancellationToken cancellationToken)
    {
        var orders = options.GetInt("orders", 10_000_000);
        var iterations = options.GetInt("iterations", 30);
        var writeRate = options.GetInt("write-rate", 100);
        var oldShare = options.GetInt("old-write-percent", 10) / 100.0;
        var result = new ScenarioResult(Name,
            $"dotnet run -c Release --project perf/PolyglotAspire.Load -- analytics --orders {orders} --iterations {iterations} --write-rate {writeRate} --old-write-percent {oldShare * 100:0}");
        result.NoteLoadAverage("start");

        await using var pg = NpgsqlDataSource.Create(await app.ConnectionStringAsync(EnginesExtensions.OrdersDbName));
        using var admin = new ClickHouseClient(await app.ConnectionStringAsync(ClickHouseAccess.AdminName));
        // The API's own user and client settings: its profile carries the FINAL settings the answers rely on.
        using var reader = new ClickHouseClient(new ClickHouseClientSettings(await app.ConnectionStringAsync(ClickHouseAccess.ReaderName))
        {
            JsonReadMode = JsonReadMode.None,
            JsonWriteMode = JsonWriteMode.None,
        });

        var loaded = await OrderBook.LoadAsync(pg, admin, orders, updateShare: 0.25, cancellationToken);
        result.AddTable("Load (the same orders into both stores; a quarter moved one status on)", "store", "orders", "seconds", "orders/s")
            .Row("PostgreSQL (binary COPY of the current rows, then ANALYZE)", orders, loaded.Postgres.TotalSeconds, orders / loaded.Postgres.TotalSeconds)
            .Row("ClickHouse (RowBinary inserts: the first versions, then the newer ones)", orders, loaded.ClickHouse.TotalSeconds, orders / loaded.ClickHouse.TotalSeconds);
        result.Notes.Add($"ClickHouse `orders` had {await PartsAsync(admin, cancellationToken)} after the load.");
        var (waited, settled) = await SettleAsync(admin, cancellationToken);
        result.Notes.Add($"Then the static phase waited {waited.TotalSeconds:F0} s for ClickHouse's own merges to settle (a quiet partition becomes one " +
            $"part {OrdersTable.ForceMergeAfterSeconds} s after its last write, the table's min_age_to_force_merge_seconds; the harness issues no OPTIMIZE): " +
            $"{(settled ? "settled" : "not settled within the limit")}, {await PartsAsync(admin, cancellationToken)} before it.");

        var (parts, defaults) = (new PartsSnapshotReader(reader), Microsoft.Extensions.Options.Options.Create(new AnalyticsOptions()));
        var (cache, ranges) = (new PartitionResultCache(defaults), new RangeAggregator(parts, defaults));
        var olap = new ClickHouseAnalyticsStore(reader, new PartitionedAggregator(parts, cache), ranges);
        var oltp = new PostgresAnalyticsStore(pg);
        var questions = AnalyticsQuestions.All(DateTime.UtcNow.Date);
        using var http = app.CreateHttpClient("analytics-api");

        await MeasureAsync(result, $"Static: each question over {orders:N0} orders, nothing being written ({iterations} runs each after 3 warm-up runs; ms)",
            questions, olap, oltp, http, iterations, cancellationToken);
        var (staticCache, staticRanges) = (cache.Statistics, ranges.Statistics);

        using var ordersApi = app.CreateHttpClient("orders-api");
        var writer = new BackgroundWriter(ordersApi, loaded.Sample, writeRate, oldShare);
        using var stopWriting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writing = writer.RunAsync(stopWriting.Token);
        var started = Stopwatch.GetTimestamp();
        await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken); // the pipeline is flowing before the first measurement
        await MeasureAsync(result, $"Under writes: the same, while Orders.Api takes ~{writeRate} writes/s ({oldShare:P0} of them to old orders of any month)",
            questions, olap, oltp, http, iterations, cancellationToken);
        var never = Microsoft.Extensions.Options.Options.Create(new AnalyticsOptions { ExtendKeptPartitions = PartitionExtension.Never });
        await CompareExtensionAsync(result, questions, olap, new ClickHouseAnalyticsStore(reader, new PartitionedAggregator(parts, new PartitionResultCache(never)), new RangeAggregator(parts, never)),
            iterations, cancellationToken);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await stopWriting.CancelAsync();
        await writing;

        var (writes, oldWrites, errors) = writer.Counts;
        var (hits, extensions, misses, evictions, entries, bytes) = cache.Statistics;
        result.Notes.Add($"Under writes: {writes / seconds:F0} writes/s achieved ({writes:N0} in {seconds:F0} s, {oldWrites:N0} to old orders, {errors} errors); " +
            $"ClickHouse `orders` had {await PartsAsync(admin, cancellationToken)} at the end.");
        result.Notes.Add($"Partition cache of the measured store: static phase {staticCache.Hits:N0} partitions reused, {staticCache.Extensions:N0} extended by their " +
            $"changed orders, {staticCache.Misses:N0} computed whole; under writes {hits - staticCache.Hits:N0} reused, {extensions - staticCache.Extensions:N0} extended, " +
            $"{misses - staticCache.Misses:N0} computed whole; {entries} entries, ~{bytes / 1024.0:F0} KiB, {evictions} evicted.");
        var rangesNow = ranges.Statistics;
        result.Notes.Add($"Top customers, kept over all partitions at once: static phase {staticRanges.Hits:N0} answers reused, {staticRanges.Extensions:N0} extended, " +
            $"{staticRanges.Misses:N0} computed again, {staticRanges.Direct:N0} asked for the largest only; under writes {rangesNow.Hits - staticRanges.Hits:N0} reused, " +
            $"{rangesNow.Extensions - staticRanges.Extensions:N0} extended, {rangesNow.Misses - staticRanges.Misses:N0} computed again, " +
            $"{rangesNow.Direct - staticRanges.Direct:N0} asked for the largest only (kept for nothing just before); {rangesNow.Groups:N0} groups kept.");
        result.Notes.Add("ClickHouse answers with FINAL (exact under updates, deletes and redeliveries) through ClickHouseAnalyticsStore as the API's read-only user " +
            "(its profile: FINAL never merges across partitions); revenue and summary reuse whole-partition results, extended by the orders of newer insert blocks while the older rows are unchanged; top customers keeps one result over all the partitions, extended the same way. " +
            "PostgreSQL through PostgresAnalyticsStore with the schema's indexes. Every question is in one currency (" + AnalyticsQuestions.Currency + "), as the dashboard asks.");
        result.Notes.Add("The API column is the same ClickHouse question end to end (HTTP, routing, freshness lookup, JSON); the API keeps a cache of its own.");
        result.NoteLoadAverage("end");
        return result;
    }

    private static async Task MeasureAsync(ScenarioResult result, string title, AnalyticsQuestion[] questions,
        IAnalyticsStore olap, IAnalyticsStore oltp, HttpClient http, int iterations, CancellationToken cancellationToken)
    {
        var table = result.AddTable(title, "question", "ClickHouse p50", "ClickHouse p99", "PostgreSQL p50", "PostgreSQL p99",
            "PostgreSQL ÷ ClickHouse (p50)", "API (HTTP, olap) p50", "API p99", "API − ClickHouse (p50)");
        await AnsiConsole.Progress().StartAsync(async progress =>
        {
            var task = progress.AddTask(title.Split(':')[0], maxValue: questions.Length * (iterations + 3));
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
                    $"{pgLatency.Ms(50) / chLatency.Ms(50):0.0}×", apiLatency.Ms(50), apiLatency.Ms(99), apiLatency.Ms(50) - chLatency.Ms(50));
            }
        });
    }

    /// <summary>
    /// A/B, still under writes: each question asked of the measured store (kept partitions extended by their changed
    /// orders) and of one whose kept partitions with newer blocks are computed whole (as before extension existed),
    /// alternately, so both see the same data and load.
    /// </summary>
    private static async Task CompareExtensionAsync(ScenarioResult result, AnalyticsQuestion[] questions, IAnalyticsStore extended, IAnalyticsStore whole,
        int iterations, CancellationToken cancellationToken)
    {
        const string Title = "Under writes, A/B: kept partitions extended by their changed orders (as measured above) against computed whole again, asked alternately (ClickHouse, ms)";
        var table = result.AddTable(Title, "question", "extended p50", "extended p99", "computed whole p50", "computed whole p99", "whole ÷ extended (p50)");
        await AnsiConsole.Progress().StartAsync(async progress =>
        {
            var task = progress.AddTask("A/B", maxValue: questions.Length * (iterations + 3));
            foreach (var (question, _, ask) in questions)
            {
                var (a, b) = (new Latency(), new Latency());
                for (var i = -3; i < iterations; i++)
                {
                    await Measure(i < 0 ? null : a, () => ask(extended, cancellationToken));
                    await Measure(i < 0 ? null : b, () => ask(whole, cancellationToken));
                    task.Increment(1);
                }

                table.Row(question, a.Ms(50), a.Ms(99), b.Ms(50), b.Ms(99), $"{b.Ms(50) / a.Ms(50):0.0}×");
            }
        });
    }

    /// <summary>Waits until every partition of orders is one part, or the force-merge age plus 3 minutes have passed.</summary>
    private static async Task<(TimeSpan Waited, bool Settled)> SettleAsync(ClickHouseClient admin, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var limit = TimeSpan.FromSeconds(OrdersTable.ForceMergeAfterSeconds + 180);
        while (Stopwatch.GetElapsedTime(started) < limit)
        {
            var extra = await admin.ExecuteScalarAsync(
                $"SELECT count() - uniqExact(partition_id) FROM system.parts WHERE database = currentDatabase() AND table = '{OrdersTable.Name}' AND active",
                cancellationToken: cancellationToken);
            if (Convert.ToInt64(extra, System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                return (Stopwatch.GetElapsedTime(started), true);
            }

            await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
        }

        return (Stopwatch.GetElapsedTime(started), false);
    }

    private static async Task<string> PartsAsync(ClickHouseClient admin, CancellationToken cancellationToken)
    {
        var parts = await admin.ExecuteScalarAsync(
            $"SELECT concat(toString(count()), ' active parts in ', toString(uniqExact(partition_id)), ' partitions') FROM system.parts WHERE database = currentDatabase() AND table = '{OrdersTable.Name}' AND active",
            cancellationToken: cancellationToken);
        return (string)parts!;
    }

    private static async Task Measure(Latency? latency, Func<Task> action)
    {
        var started = Stopwatch.GetTimestamp();
        await action();
        latency?.Record(Stopwatch.GetElapsedTime(started));
    }
}
