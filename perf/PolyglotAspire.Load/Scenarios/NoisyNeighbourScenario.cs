using System.Collections.Concurrent;
using System.Net;
using PolyglotAspire.Analytics.Queries;
using PolyglotAspire.AppHost.Infrastructure;
using PolyglotAspire.Load.Scenarios.Noisy;

namespace PolyglotAspire.Load.Scenarios;

/// <summary>
/// The noisy neighbour, the claim this architecture exists for: user-facing writes (<c>POST /api/orders</c> at a
/// steady rate, open loop) in three phases of one run over a pre-loaded order book (default 1 M orders, in both
/// stores): (c) no analytics; (a) a heavy analytics load — the dashboard's revenue, top-customers and summary
/// questions, several clients in a loop — run directly on PostgreSQL (the same SQL Analytics.Api's fallback runs);
/// (b) the same load through Analytics.Api on ClickHouse (<c>consistency=eventual</c>); (d) clients that force
/// Analytics.Api's PostgreSQL fallback (<c>consistency=bounded&amp;maxStalenessMs=0</c>), which its admission control
/// caps (issue 13 item 10); then (c) again, to show drift.
/// </summary>
internal sealed class NoisyNeighbourScenario : IScenario
{
    /// <summary>How the figures were taken: the same for every run, so they stand with every result.</summary>
    private static readonly string[] MethodNotes =
    [
        "This machine has 2 cores shared by everything (PostgreSQL, Kafka, ClickHouse, the three services, this load generator): in (b) " +
            "ClickHouse does not touch PostgreSQL's tables, locks, buffers or I/O, but it still competes with it for the same 2 CPUs, so (b) measures " +
            "isolation of the data path, not of the hardware. On separate machines (how this architecture is deployed) only the data-path effect remains.",
        "(a) runs PostgresAnalyticsStore (the SQL Analytics.Api's PostgreSQL fallback runs) on the app's own PostgreSQL; (b) asks Analytics.Api, " +
            "whose every answer also states its freshness (sync_state in ClickHouse and PostgreSQL's clock and last commit, read together at most every 25 ms for all answers). " +
            "Both closed loops: queries/s is what each store sustained with the same number of clients.",
        "Before each phase: the capture relay caught up and a CHECKPOINT taken (the same start for every phase). OLTP latency is counted from each " +
            "request's intended start, so a stall counts fully; the relay and the sync worker run throughout, as in production.",
    ];

    public string Name => "noisy";

    public string Description => "OLTP POST /api/orders p50/p99 at a steady rate: no analytics vs heavy analytics on PostgreSQL vs the same through Analytics.Api on ClickHouse";

    public IReadOnlyList<string> Options { get; } = ["orders", "rate", "seconds", "analytics-clients", "fallback-clients"];

    /// <summary>One phase; <c>PacedLikePostgres</c>: analytics paced to the queries/s PostgreSQL sustained in (a) — the same work, so only the path differs.</summary>
    private sealed record Phase(string Label, string Analytics, Func<AnalyticsQuestion, CancellationToken, Task>? Ask, bool PacedLikePostgres = false, int? Clients = null);

    private sealed record Outcome(Phase Phase, PhaseResult Write, AnalyticsLoad.Outcome? Analytics, Dictionary<string, double> CpuPerSecond);

    public async Task<ScenarioResult> RunAsync(LocalApp app, ScenarioOptions options, CancellationToken cancellationToken)
    {
        var orders = options.GetInt("orders", 1_000_000);
        var rate = options.GetInt("rate", 500);
        var duration = options.GetSeconds("seconds", 30);
        var clients = options.GetInt("analytics-clients", 4);
        var fallbackClients = options.GetInt("fallback-clients", 16);
        var result = new ScenarioResult(Name,
            $"dotnet run -c Release --project perf/PolyglotAspire.Load -- noisy --orders {orders} --rate {rate} --seconds {duration.TotalSeconds} --analytics-clients {clients} --fallback-clients {fallbackClients}");
        result.NoteLoadAverage("start");
        await using var stores = await AppClients.OpenAsync(app);
        result.Notes.Add(await stores.EngineVersionsAsync(cancellationToken));

        var (pgLoad, chLoad) = await OrderBook.LoadAsync(stores.Postgres, stores.ClickHouse, orders, cancellationToken);
        result.Notes.Add($"order book: {orders:N0} orders loaded into PostgreSQL (COPY + ANALYZE, {pgLoad.TotalSeconds:F1} s) and ClickHouse ({chLoad.TotalSeconds:F1} s) before the phases");

        var questions = AnalyticsQuestions.All(DateTime.UtcNow.Date);
        async Task AskAnalyticsApi(AnalyticsQuestion q, CancellationToken ct)
        {
            using var response = await stores.Analytics.GetAsync(new Uri($"/api/analytics/{q.PathWith("consistency=eventual")}", UriKind.Relative), ct);
            response.EnsureSuccessStatusCode();
        }

        // (d): every question asks for zero staleness, so whenever ClickHouse lags at all it goes to PostgreSQL — if
        // Analytics.Api admits it. A refusal (503) is honoured as a polite client would (wait Retry-After), then counted.
        var answeredBy = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        async Task AskForcingFallback(AnalyticsQuestion q, CancellationToken ct)
        {
            using var response = await stores.Analytics.GetAsync(new Uri($"/api/analytics/{q.PathWith("consistency=bounded&maxStalenessMs=0")}", UriKind.Relative), ct);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                answeredBy.AddOrUpdate("refused (503)", 1, (_, n) => n + 1);
                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1), ct);
                throw new HttpRequestException("refused by the fallback's admission control (503)");
            }

            response.EnsureSuccessStatusCode();
            answeredBy.AddOrUpdate(response.Headers.GetValues("X-Data-Source").Single(), 1, (_, n) => n + 1);
        }

        var postgres = new PostgresAnalyticsStore(stores.Postgres);
        Phase[] phases =
        [
            new("(c) no analytics", "none", null),
            new("(a) analytics on PostgreSQL", $"{clients} clients, directly on PostgreSQL", (q, ct) => q.Ask(postgres, ct)),
            new("(b) analytics via Analytics.Api on ClickHouse", $"{clients} clients, HTTP, consistency=eventual", AskAnalyticsApi),
            new("(b′) the same, paced to (a)'s queries/s", $"{clients} clients, HTTP, at the rate PostgreSQL sustained in (a)", AskAnalyticsApi, PacedLikePostgres: true),
            new("(d) analytics forcing the PostgreSQL fallback", $"{fallbackClients} clients, HTTP, consistency=bounded&maxStalenessMs=0",
                AskForcingFallback, Clients: fallbackClients),

            // The baseline again: on a shared machine, how far (c) and (c′) differ is how much the background moved.
            new("(c′) no analytics, again (drift check)", "none", null),
        ];

        using var oltp = new OrderWriteLoad(app, 256, "noisy-");
        await PhaseProgress.RunAsync("warm-up: writes, and every question once on each path", TimeSpan.FromSeconds(5), async () =>
        {
            foreach (var question in questions)
            {
                foreach (var phase in phases.Where(p => p.Ask is not null))
                {
                    try
                    {
                        await phase.Ask!(question, cancellationToken);
                    }
                    catch (HttpRequestException) when (phase.Ask == AskForcingFallback)
                    {
                        // refused: the admission control is warm too
                    }
                }
            }

            return await oltp.OpenLoopAsync("warm-up", rate, TimeSpan.FromSeconds(5), 256, cancellationToken);
        });

        var outcomes = new List<Outcome>();
        foreach (var phase in phases)
        {
            // Queries the previous phase had in flight when it stopped finish on the server during this pause, not in this phase.
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            await RelayCatchUp.SettleAsync(stores.PostgresConnectionString, cancellationToken);
            var pace = phase.PacedLikePostgres ? outcomes[1].Analytics?.PerSecond : null;
            outcomes.Add(await RunPhaseAsync(app, oltp, phase, rate, duration, phase.Clients ?? clients, questions, pace, cancellationToken));
        }

        Report(result, rate, duration, outcomes);
        var fallback = outcomes.Single(o => o.Phase.Ask == AskForcingFallback);
        result.Notes.Add($"(d) answers: {string.Join(", ", answeredBy.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Value:N0} {p.Key}"))} " +
            $"(its 'errors' are the refusals). OLTP p99 (d) ÷ (c) = {fallback.Write.Latency.Ms(99) / outcomes[0].Write.Latency.Ms(99):0.00} (target ≤ 1.5). " +
            "Analytics.Api admits at most Analytics:FallbackMaxConcurrency fallback queries at once (a bounded queue, then 503 + Retry-After) with a statement timeout on its connections.");
        result.NoteLoadAverage("end");
        return result;
    }

    private static async Task<Outcome> RunPhaseAsync(LocalApp app, OrderWriteLoad oltp, Phase phase, int rate, TimeSpan duration, int clients,
        IReadOnlyList<AnalyticsQuestion> questions, double? analyticsPerSecond, CancellationToken cancellationToken)
    {
        var cpu = new CpuMeter(app, [EnginesExtensions.PostgresName, EnginesExtensions.ClickHouseName, "analytics-api", "orders-api"]);
        using var stopAnalytics = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var analytics = phase.Ask is null ? null : AnalyticsLoad.RunAsync(clients, questions, phase.Ask, analyticsPerSecond, stopAnalytics.Token);
        var write = await PhaseProgress.RunAsync($"{phase.Label}: {rate} orders/s", duration,
            () => oltp.OpenLoopAsync(phase.Label, rate, duration, 256, cancellationToken));
        await stopAnalytics.CancelAsync();
        return new Outcome(phase, write, analytics is null ? null : await analytics, cpu.PerWallSecond());
    }

    private static void Report(ScenarioResult result, int rate, TimeSpan duration, List<Outcome> outcomes)
    {
        var baseline = outcomes[0].Write.Latency.Ms(99);
        var oltp = result.AddTable($"OLTP: POST /api/orders at {rate}/s (open loop, {duration.TotalSeconds:F0} s per phase)",
            "phase", "achieved orders/s", "p50 ms", "p95 ms", "p99 ms", "p99.9 ms", "errors", "p99 ÷ (c)");
        foreach (var o in outcomes)
        {
            var latency = o.Write.Latency;
            oltp.Row(o.Phase.Label, Math.Round(o.Write.PerSecond), latency.Ms(50), latency.Ms(95), latency.Ms(99),
                latency.Ms(99.9), o.Write.Errors, $"{latency.Ms(99) / baseline:0.00}×");
        }

        var analytics = result.AddTable("The analytics load of each phase", "phase", "load", "queries/s", "p50 ms", "p99 ms", "errors");
        foreach (var o in outcomes)
        {
            if (o.Analytics is { } a)
            {
                analytics.Row(o.Phase.Label, o.Phase.Analytics, Math.Round(a.PerSecond, 1), a.Latency.Ms(50), a.Latency.Ms(99), a.Errors);
            }
        }

        var cpu = result.AddTable("Where the CPU went (CPU seconds per wall second of each process tree; the machine has 2)",
            ["phase", .. outcomes[0].CpuPerSecond.Keys]);
        foreach (var o in outcomes)
        {
            cpu.Row([o.Phase.Label, .. o.CpuPerSecond.Values.Select(v => (object)Math.Round(v, 2))]);
        }

        result.Notes.Add($"p99 ratios: (a)/(c) = {outcomes[1].Write.Latency.Ms(99) / baseline:0.00}, (b)/(c) = {outcomes[2].Write.Latency.Ms(99) / baseline:0.00}, " +
            $"(b′)/(c) = {outcomes[3].Write.Latency.Ms(99) / baseline:0.00}; the closing baseline (c′) is {outcomes[^1].Write.Latency.Ms(99) / baseline:0.00}× (c): " +
            "a ratio no further from 1 than that is within this run's drift. (b) runs as fast as ClickHouse answers, so it does more analytical work than (a); (b′) does the same work as (a).");
        result.Notes.AddRange(MethodNotes);
    }
}
