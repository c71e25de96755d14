using Npgsql;

namespace PolyglotAspire.Load.Scenarios;

/// <summary>
/// Sustained <c>POST /api/orders</c> (closed loop) beside pgbench running the same order + outbox transaction on the
/// same PostgreSQL, in the same run, alternating so both see the same table sizes and the same background (the
/// capture relay and the sync worker run throughout and process both).
/// </summary>
internal sealed class WriteScenario : IScenario
{
    public string Name => "write";

    public string Description => "POST /api/orders orders/s and p50/p99 (closed loop) vs pgbench running the same transaction, same server, same run";

    public IReadOnlyList<string> Options { get; } = ["clients", "pgbench-clients", "duration", "warmup", "rounds", "classic"];

    public async Task<ScenarioResult> RunAsync(LocalApp app, ScenarioOptions options, CancellationToken cancellationToken)
    {
        var clients = options.GetInt("clients", 32);
        var pgbenchClients = options.GetInt("pgbench-clients", 16);
        var duration = options.GetSeconds("duration", 20);
        var warmup = options.GetSeconds("warmup", 5);
        var rounds = options.GetInt("rounds", 2);
        var classic = options.Get("classic") is not "false";
        var connectionString = await app.ConnectionStringAsync("ordersdb");

        var result = new ScenarioResult(Name,
            $"dotnet run -c Release --project perf/PolyglotAspire.Load -- write --clients {clients} --pgbench-clients {pgbenchClients} --duration {duration.TotalSeconds} --rounds {rounds}");
        using var load = new OrderWriteLoad(app, clients, "load-api-");

        Console.WriteLine($"warm-up {warmup.TotalSeconds} s (API, then pgbench)…");
        await load.ClosedLoopAsync("warm-up", clients, warmup, cancellationToken);
        await Pgbench.RunAsync("warm-up", connectionString, pipeline: true, pgbenchClients, TimeSpan.FromSeconds(Math.Max(2, warmup.TotalSeconds / 2)), cancellationToken);
        await load.ClosedLoopAsync("warm-up", clients, warmup, cancellationToken);

        // Each phase starts from the same state: the relay has published everything before it (a phase pays for its
        // own capture, not the previous one's) and a checkpoint has just been taken. Odd rounds run the API first,
        // even rounds pgbench first, so neither always inherits the other's after-effects (autovacuum, table growth).
        var phases = new List<(int Round, PhaseResult Result)>();
        for (var round = 1; round <= rounds; round++)
        {
            var apiFirst = round % 2 == 1;
            foreach (var what in apiFirst ? new[] { "api", "pipeline", "classic" } : ["pipeline", "classic", "api"])
            {
                if (what == "classic" && !classic)
                {
                    continue;
                }

                await RelayCatchUp.SettleAsync(connectionString, cancellationToken);
                Console.WriteLine($"round {round}: {what}…");
                phases.Add((round, what switch
                {
                    "api" => await load.ClosedLoopAsync("POST /api/orders", clients, duration, cancellationToken),
                    "pipeline" => await Pgbench.RunAsync("pgbench, same transaction, 1 round trip (pipeline)", connectionString, true, pgbenchClients, duration, cancellationToken),
                    _ => await Pgbench.RunAsync("pgbench, same transaction, 1 round trip per statement", connectionString, false, pgbenchClients, duration, cancellationToken),
                }));
            }
        }

        var table = result.AddTable("Order + outbox transaction: API vs pgbench (same PostgreSQL, same run)",
            "round", "what", "clients", "orders/s", "p50 ms", "p99 ms", "p99.9 ms", "errors");
        foreach (var (round, phase) in phases)
        {
            table.Row(round, phase.Name, phase.Name.StartsWith("POST", StringComparison.Ordinal) ? clients : pgbenchClients,
                Math.Round(phase.PerSecond), phase.Latency.Ms(50), phase.Latency.Ms(99), phase.Latency.Ms(99.9), phase.Errors);
        }

        var plot = result.AddPlot("latency", "Order + outbox transaction latency: API vs pgbench (client side)");
        foreach (var (round, phase) in phases)
        {
            plot.Add($"round {round}: {phase.Name}", phase.Latency);
        }

        var ratios = result.AddTable("Ratio", "round", "API orders/s", "pgbench (pipeline) tx/s", "API / pgbench");
        foreach (var round in phases.Select(p => p.Round).Distinct())
        {
            var api = phases.First(p => p.Round == round && p.Result.Name.StartsWith("POST", StringComparison.Ordinal)).Result;
            var pg = phases.First(p => p.Round == round && p.Result.Name.Contains("pipeline", StringComparison.Ordinal)).Result;
            ratios.Row(round, Math.Round(api.PerSecond), Math.Round(pg.PerSecond), FormattedNumber.Percent(api.PerSecond / pg.PerSecond));
        }

        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT count(*) FROM orders", connection);
            result.Notes.Add($"orders in the table at the end: {await command.ExecuteScalarAsync(cancellationToken)}");
        }

        result.Notes.Add("Before every phase: the relay has caught up (slot confirmed at the current WAL position) and a CHECKPOINT was taken; rounds alternate which side goes first.");
        result.Notes.Add("API: each request is one transaction (order, 2 lines, outbox insert + delete, COMMIT, WAL position) sent as one batch; latency is client-side, on the same 2 cores as PostgreSQL, the app and this load generator.");
        result.Notes.Add("pgbench: -M prepared, the same statements, rows and payload size; 'pipeline' sends the transaction as one batch like the API does; 'per statement' is pgbench's classic mode (5 round trips).");
        result.Notes.Add("The capture relay publishes both the API's and pgbench's outbox rows to Kafka during every phase, and the sync worker consumes them.");
        return result;
    }
}
