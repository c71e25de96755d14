using System.Diagnostics;
using ClickHouse.Driver;
using Npgsql;
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
    public string Name => "analytics";

    public string Description => "p50/p99 of each analytics question over N orders (default 10M): ClickHouse vs PostgreSQL on the same data";

    public IReadOnlyList<string> Options { get; } = ["orders", "iterations"];

    public async Task<ScenarioResult> RunAsync(LocalApp app, ScenarioOptions options, CancellationToken cancellationToken)
    {
        var orders = options.GetInt("orders", 10_000_000);
        var iterations = options.GetInt("iterations", 30);
        var result = new ScenarioResult(Name, $"dotnet run -c Release --project perf/PolyglotAspire.Load -- analytics --orders {orders} --iterations {iterations}");

        await using var pg = NpgsqlDataSource.Create(await app.ConnectionStringAsync(EnginesExtensions.OrdersDbName));
        using var ch = new ClickHouseClient(await app.ConnectionStringAsync(ClickHouseAccess.AdminName));

        var (pgLoad, chLoad) = await OrderBook.LoadAsync(pg, ch, orders, cancellationToken);
        result.AddTable("Load (the same rows into both stores)", "store", "rows", "seconds", "rows/s")
            .Row("PostgreSQL (binary COPY, then ANALYZE)", orders, pgLoad.TotalSeconds, orders / pgLoad.TotalSeconds)
            .Row("ClickHouse (RowBinary insert)", orders, chLoad.TotalSeconds, orders / chLoad.TotalSeconds);
        var parts = await ch.ExecuteScalarAsync("SELECT count() FROM system.parts WHERE table = 'orders' AND active", cancellationToken: cancellationToken);
        result.Notes.Add($"ClickHouse `orders` had {parts} active parts while measured (no OPTIMIZE: background merges only).");

        var olap = new ClickHouseAnalyticsStore(ch);
        var oltp = new PostgresAnalyticsStore(pg);
        var questions = AnalyticsQuestions.All(DateTime.UtcNow.Date);

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
}
