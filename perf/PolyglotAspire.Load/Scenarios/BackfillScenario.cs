using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using PolyglotAspire.AppHost.Infrastructure;
using PolyglotAspire.Contracts.Analytics;
using PolyglotAspire.Load.Scenarios.Analytics;

namespace PolyglotAspire.Load.Scenarios;

/// <summary>
/// Rebuilding ClickHouse from PostgreSQL, and proving the copy right, over N orders (default 1M) that exist only in
/// PostgreSQL: in each round, ClickHouse's own <c>postgresql()</c> table function pulls the table into a scratch table
/// of the same shape (the engine's limit for the same copy), then the worker's backfill (<c>POST /api/admin/backfill</c>)
/// rebuilds an emptied <c>orders</c>, both while Orders.Api takes writes; then reconciliation
/// (<c>GET /api/analytics/reconciliation</c>) over the whole table, with what it costs each engine.
/// </summary>
internal sealed class BackfillScenario : IScenario
{
    private const string PullTable = "orders_pull";
    private const string Worker = "sync-worker";
    private const string Analytics = "analytics-api";

    /// <summary>The processes a copy or a reconciliation spends CPU in.</summary>
    private static readonly string[] Measured = [EnginesExtensions.PostgresName, EnginesExtensions.ClickHouseName, Worker, Analytics];
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    public string Name => "backfill";

    public string Description => "rows/s of the worker's backfill beside ClickHouse's postgresql() over N orders (default 1M), then reconciliation's cost (ms, CPU)";

    public IReadOnlyList<string> Options { get; } = ["orders", "rounds", "reconciliations", "write-rate"];

    public async Task<ScenarioResult> RunAsync(LocalApp app, ScenarioOptions options, CancellationToken cancellationToken)
    {
        var orders = options.GetInt("orders", 1_000_000);
        var rounds = options.GetInt("rounds", 3);
        var reconciliations = options.GetInt("reconciliations", 5);
        var writeRate = options.GetInt("write-rate", 50);
        var result = new ScenarioResult(Name,
            $"dotnet run -c Release --project perf/PolyglotAspire.Load -- backfill --orders {orders} --rounds {rounds} --reconciliations {reconciliations} --write-rate {writeRate}");
        result.NoteLoadAverage("start");

        await using var clients = await AppClients.OpenAsync(app);
        result.Notes.Add(await clients.EngineVersionsAsync(cancellationToken));
        var loaded = await OrderBook.LoadPostgresAsync(clients.Postgres, orders, updateShare: 0.25, cancellationToken);
        result.AddTable("Load (PostgreSQL only: ClickHouse has none of these orders)", "store", "orders", "seconds", "orders/s")
            .Row("PostgreSQL (binary COPY, then ANALYZE)", orders, loaded.Postgres.TotalSeconds, orders / loaded.Postgres.TotalSeconds);

        using var worker = app.CreateHttpClient(Worker);
        using var analytics = app.CreateHttpClient(Analytics);
        analytics.Timeout = TimeSpan.FromMinutes(10);
        using var ordersApi = app.CreateHttpClient("orders-api");
        var writer = new BackgroundWriter(ordersApi, loaded.Sample, Math.Max(writeRate, 1), oldShare: 0.1);
        using var stopWriting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writing = writeRate > 0 ? writer.RunAsync(stopWriting.Token) : Task.CompletedTask;
        var writingStarted = Stopwatch.GetTimestamp();

        await clients.ClickHouse.ExecuteNonQueryAsync(OrdersTable.CreateStatement(PullTable), cancellationToken: cancellationToken);
        var pull = PullStatement(new NpgsqlConnectionStringBuilder(clients.PostgresConnectionString));
        var copies = result.AddTable($"Copy PostgreSQL's orders into ClickHouse, while Orders.Api takes ~{writeRate} writes/s",
            "path", "round", "rows", "seconds", "rows/s", "PostgreSQL CPU-s", "ClickHouse CPU-s", "worker CPU-s");
        var (pullRates, backfillRates, copyRates) = (new List<double>(), new List<double>(), new List<double>());
        for (var round = 1; round <= rounds; round++)
        {
            await clients.ClickHouse.ExecuteNonQueryAsync($"TRUNCATE TABLE {PullTable}", cancellationToken: cancellationToken);
            var cpu = new CpuMeter(app, Measured);
            var started = Stopwatch.GetTimestamp();
            await clients.ClickHouse.ExecuteNonQueryAsync(pull, cancellationToken: cancellationToken);
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var spent = cpu.Seconds();
            var rows = Convert.ToInt64(await clients.ClickHouse.ExecuteScalarAsync($"SELECT count() FROM {PullTable}", cancellationToken: cancellationToken));
            pullRates.Add(rows / seconds);
            copies.Row("ClickHouse `INSERT … SELECT FROM postgresql()` (admin, scratch table of the same shape)", round, rows, seconds, rows / seconds,
                spent[EnginesExtensions.PostgresName], spent[EnginesExtensions.ClickHouseName], spent[Worker]);

            // Emptied behind the app's back: the backfill must bring back every order, and the stream keeps writing meanwhile.
            await clients.ClickHouse.ExecuteNonQueryAsync($"TRUNCATE TABLE {OrdersTable.Name}", cancellationToken: cancellationToken);
            cpu = new CpuMeter(app, Measured);
            var (status, copying) = await BackfillAsync(worker, cancellationToken);
            spent = cpu.Seconds();
            var total = (status.FinishedAt!.Value - status.StartedAt!.Value).TotalSeconds;
            backfillRates.Add(status.Rows / total);
            copyRates.Add(status.Rows / copying.TotalSeconds);
            copies.Row("Sync.Worker backfill, whole run (snapshot → copy → stream passes the snapshot → tombstones)", round, status.Rows, total, status.Rows / total,
                spent[EnginesExtensions.PostgresName], spent[EnginesExtensions.ClickHouseName], spent[Worker]);
            copies.Row("… of which the copy phase", round, status.Rows, copying.TotalSeconds, status.Rows / copying.TotalSeconds, null, null, null);
        }

        await clients.ClickHouse.ExecuteNonQueryAsync($"DROP TABLE {PullTable}", cancellationToken: cancellationToken);
        var writeSeconds = Stopwatch.GetElapsedTime(writingStarted).TotalSeconds;
        await stopWriting.CancelAsync();
        await writing;
        var (writes, oldWrites, errors) = writer.Counts;

        result.AddTable("Backfill ÷ postgresql() (medians over the rounds)", "measure", "rows/s", "÷ postgresql()")
            .Row("postgresql()", Median(pullRates), 1.0)
            .Row("backfill, whole run", Median(backfillRates), Median(backfillRates) / Median(pullRates))
            .Row("backfill, copy phase", Median(copyRates), Median(copyRates) / Median(pullRates));
        result.Notes.Add($"Writes during the copies: {writes:N0} in {writeSeconds:F0} s ({writes / writeSeconds:F0}/s; {oldWrites:N0} to loaded orders, {errors} errors), streamed by the pipeline as usual.");

        await ReconcileAsync(result, app, analytics, orders, reconciliations, cancellationToken);
        result.Notes.Add("postgresql() pulls the orders table as it is (no line counts, no commit timestamps, a made-up event id), so it is the engine's " +
            "limit for the copy, not the same work: the backfill also reads each order's commit timestamp and line count (order_lines is empty in this " +
            "order book: the join costs a hash of nothing), keeps a snapshot at a known LSN, writes the snapshot keys, and places tombstones afterwards.");
        result.Notes.Add("CPU-s: user + system time of each process tree over the phase (PostgreSQL includes its backends and the relay's walsender; " +
            "the writes of the background writer are in every phase alike).");
        result.NoteLoadAverage("end");
        return result;
    }

    /// <summary>Whole-table reconciliations, the store equal by now: how long each took and what it cost each engine.</summary>
    private static async Task ReconcileAsync(ScenarioResult result, LocalApp app, HttpClient analytics, int orders, int runs, CancellationToken cancellationToken)
    {
        var table = result.AddTable($"Reconciliation over all {orders:N0} orders (writes stopped, so CPU is its own; GET /api/analytics/reconciliation)",
            "run", "ms (HTTP)", "ms (report)", "buckets", "orders left out", "differences", "PostgreSQL CPU-s", "ClickHouse CPU-s", "Analytics.Api CPU-s");
        var latency = new Latency();
        for (var run = 1; run <= runs; run++)
        {
            var cpu = new CpuMeter(app, Measured);
            var started = Stopwatch.GetTimestamp();
            using var response = await analytics.GetAsync(new Uri("/api/analytics/reconciliation", UriKind.Relative), cancellationToken);
            var elapsed = Stopwatch.GetElapsedTime(started);
            var spent = cpu.Seconds();
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"reconciliation answered {(int)response.StatusCode}: {body}");
            }

            latency.Record(elapsed);
            using var report = JsonDocument.Parse(body);
            var root = report.RootElement;
            table.Row(run, elapsed.TotalMilliseconds, root.GetProperty("elapsedSeconds").GetDouble() * 1000, root.GetProperty("buckets").GetInt32(),
                root.GetProperty("excludedOrders").GetInt32(), root.GetProperty("differences").GetArrayLength(),
                spent[EnginesExtensions.PostgresName], spent[EnginesExtensions.ClickHouseName], spent[Analytics]);
        }

        result.Notes.Add($"Reconciliation p50 {latency.Ms(50):F0} ms over {runs} runs; a difference count above 0 would mean the backfill lost or doubled an order.");
    }

    /// <summary>Starts a whole-table backfill and waits for it; returns its final status and how long its copy phase took.</summary>
    private static async Task<(Status Final, TimeSpan Copying)> BackfillAsync(HttpClient worker, CancellationToken cancellationToken)
    {
        using (var start = await worker.PostAsJsonAsync("/api/admin/backfill", new { }, cancellationToken))
        {
            if (start.StatusCode != HttpStatusCode.Accepted)
            {
                throw new InvalidOperationException($"backfill answered {(int)start.StatusCode}: {await start.Content.ReadAsStringAsync(cancellationToken)}");
            }
        }

        long? copyStarted = null;
        TimeSpan? copying = null;
        while (true)
        {
            var status = (await worker.GetFromJsonAsync<Status>("/api/admin/backfill", cancellationToken))!;
            if (status.Phase == "copying")
            {
                copyStarted ??= Stopwatch.GetTimestamp();
            }
            else if (copyStarted is { } since && copying is null)
            {
                copying = Stopwatch.GetElapsedTime(since);
            }

            switch (status.State)
            {
                case "done":
                    return (status, copying ?? throw new InvalidOperationException("The copy phase was never seen: poll faster."));
                case "failed":
                    throw new InvalidOperationException($"backfill failed: {status.Error}");
            }

            await Task.Delay(Poll, cancellationToken);
        }
    }

    /// <summary>
    /// The same rows as the backfill, as far as <c>postgresql()</c> can: the table's columns with what it does not
    /// have (line count, commit LSN and time, event id) filled from what is at hand.
    /// </summary>
    private static string PullStatement(NpgsqlConnectionStringBuilder pg) =>
        $"""
        INSERT INTO {PullTable} ({string.Join(", ", OrdersTable.InsertColumns)})
        SELECT generateUUIDv7(), 0, id, version, 0, updated_at, customer_id, region, currency, status, total, created_at, 0
        FROM postgresql({Literal($"{pg.Host}:{pg.Port}")}, {Literal(pg.Database)}, 'orders', {Literal(pg.Username)}, {Literal(pg.Password)})
        """;

    /// <summary>A ClickHouse string literal (the connection's values are the AppHost's, but a password may hold a quote).</summary>
    private static string Literal(string? value) => "'" + (value ?? "").Replace(@"\", @"\\", StringComparison.Ordinal).Replace("'", @"\'", StringComparison.Ordinal) + "'";

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private sealed record Status(string State, long Rows, string? Phase, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, string? Error);
}
