using System.Net.Http.Json;
using System.Text.Json;
using Spectre.Console;

namespace PolyglotAspire.Load.Scenarios;

/// <summary>
/// What each consistency level costs a caller, measured side by side in one run while a steady background write
/// load keeps the pipeline busy: a plain write vs a <c>Prefer: consistency=strong</c> write (returns once analytics
/// shows it), and an <c>eventual</c> read vs a <c>session</c> read carrying the caller's own token, issued right
/// after that caller's write (the worst case for session: its write is at most a few ms old).
/// </summary>
internal sealed class ConsistencyScenario : IScenario
{
    public string Name => "consistency";

    public string Description => "cost of strong writes and session reads beside plain writes and eventual reads, under background load";

    public IReadOnlyList<string> Options { get; } = ["rounds", "rate"];

    public async Task<ScenarioResult> RunAsync(LocalApp app, ScenarioOptions options, CancellationToken cancellationToken)
    {
        var rounds = options.GetInt("rounds", 300);
        var background = options.GetInt("rate", 200);
        var result = new ScenarioResult(Name, $"dotnet run -c Release --project perf/PolyglotAspire.Load -- consistency --rounds {rounds} --rate {background}");

        using var orders = app.CreateHttpClient("orders-api");
        using var analytics = app.CreateHttpClient("analytics-api");
        using var load = new OrderWriteLoad(app, connections: 16, customerPrefix: "BG-");
        using var stopLoad = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var backgroundLoad = load.OpenLoopAsync("background", background, TimeSpan.FromHours(1), maxConcurrency: 64, stopLoad.Token);

        var (plain, strong, eventual, session, warmUp) = (new Latency(), new Latency(), new Latency(), new Latency(), new Latency());
        int strongVisible = 0, sessionFromOlap = 0;
        var region = $"cost-{Guid.NewGuid():N}"[..16];
        var read = $"/api/analytics/revenue?groupBy=region&region={region}";
        try
        {
            await AnsiConsole.Progress().StartAsync(async progress =>
            {
                var task = progress.AddTask($"{rounds} rounds at {background} background orders/s", maxValue: rounds + 10);
                for (var i = -10; i < rounds; i++) // the first 10 warm up and are not recorded
                {
                    var warm = i < 0;
                    Latency Measured(Latency latency) => warm ? warmUp : latency;
                    var (_, token) = await Measured(plain).TimeAsync(() => WriteAsync(orders, region, prefer: null, cancellationToken));
                    await Measured(eventual).TimeAsync(() => ReadSourceAsync(analytics, read, token: null, cancellationToken));
                    var mine = await Measured(session).TimeAsync(() => ReadSourceAsync(analytics, read + "&consistency=session", token, cancellationToken));
                    var (visible, _) = await Measured(strong).TimeAsync(() => WriteAsync(orders, region, "consistency=strong", cancellationToken));
                    if (!warm)
                    {
                        strongVisible += visible ? 1 : 0;
                        sessionFromOlap += mine == "olap" ? 1 : 0;
                    }

                    task.Increment(1);
                }
            });
        }
        finally
        {
            await stopLoad.CancelAsync();
            await backgroundLoad.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        result.AddTable($"One caller, {rounds} rounds (write, eventual read, session read, strong write) at {background} background orders/s (ms)",
                "operation", "p50", "p95", "p99", "cost vs baseline (p50)", "cost vs baseline (p99)")
            .Row("write (POST /api/orders)", plain.Ms(50), plain.Ms(95), plain.Ms(99), "baseline", "baseline")
            .Row("strong write (Prefer: consistency=strong)", strong.Ms(50), strong.Ms(95), strong.Ms(99),
                FormattedNumber.DeltaMs(strong.Ms(50) - plain.Ms(50)), FormattedNumber.DeltaMs(strong.Ms(99) - plain.Ms(99)))
            .Row("eventual read (revenue by region)", eventual.Ms(50), eventual.Ms(95), eventual.Ms(99), "baseline", "baseline")
            .Row("session read right after own write", session.Ms(50), session.Ms(95), session.Ms(99),
                FormattedNumber.DeltaMs(session.Ms(50) - eventual.Ms(50)), FormattedNumber.DeltaMs(session.Ms(99) - eventual.Ms(99)));
        result.AddPlot("latency", "One caller's latency by operation")
            .Add("write", plain).Add("strong write", strong).Add("eventual read", eventual).Add("session read after own write", session);
        result.Notes.Add($"Strong writes visible in analytics when answered: {strongVisible} of {rounds} (the rest answered 'committed, not yet visible' after the 5 s budget).");
        result.Notes.Add($"Session reads answered by ClickHouse: {sessionFromOlap} of {rounds} (the rest by the read-only PostgreSQL fallback after the 2 s wait) — never stale either way.");
        result.Notes.Add("A strong write's extra time is the commit→visible latency of the pipeline (relay, Kafka, batch age, insert); a session read's is the wait for the worker to apply the caller's token.");
        return result;
    }

    private static async Task<(bool Visible, Contracts.ConsistencyToken Token)> WriteAsync(HttpClient orders, string region, string? prefer, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders")
        {
            Content = JsonContent.Create(new { customerId = "C-cost", region, currency = "EUR", lines = new[] { new { sku = "SKU-1", quantity = 1, unitPrice = 9.99m } } }),
        };
        if (prefer is not null)
        {
            request.Headers.TryAddWithoutValidation("Prefer", prefer);
        }

        using var response = await orders.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        if (!Contracts.ConsistencyToken.TryParse(response.Headers.GetValues("X-Consistency-Token").Single(), out var token))
        {
            throw new InvalidOperationException("A write answered without a consistency token.");
        }

        var visible = response.Headers.TryGetValues("X-Analytics-Visible", out var values) && values.Single() == "true";
        return (visible, token);
    }

    private static async Task<string> ReadSourceAsync(HttpClient analytics, string path, Contracts.ConsistencyToken? token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is { } t)
        {
            request.Headers.Add("X-Consistency-Token", t.ToString());
        }

        using var response = await analytics.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return body.GetProperty("source").GetString() ?? "";
    }
}
