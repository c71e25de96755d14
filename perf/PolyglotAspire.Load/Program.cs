using PolyglotAspire.Load;
using PolyglotAspire.Load.Scenarios;
using Spectre.Console;

// dotnet run -c Release --project perf/PolyglotAspire.Load -- <scenario> [--key value ...]
// Starts the app in local mode through the AppHost, runs the scenario, writes perf/results/<scenario>-<time>.md/.json.
IScenario[] scenarios =
[
    new WriteScenario(), new CaptureLagScenario(), new SinkScenario(), new FreshnessScenario(), new ConsistencyScenario(),
    new NoisyNeighbourScenario(), new AnalyticsScenario(), new BackfillScenario(),
];

// Commands that start nothing: the scenario names, one per line (perf/run-all.sh runs them in this order), and
// the README's Performance section regenerated from the results on disk.
switch (args)
{
    case ["list"]:
        Array.ForEach(scenarios, s => Console.WriteLine(s.Name));
        return 0;
    case ["report"]:
        AnsiConsole.MarkupLineInterpolated($"[green]written[/] {ReadmeReport.Write(ScenarioResult.ResultsDirectory, scenarios)}");
        return 0;
}

if (args.Length == 0 || scenarios.All(s => s.Name != args[0]))
{
    AnsiConsole.MarkupLine("usage: [bold]dotnet run -c Release --project perf/PolyglotAspire.Load -- <scenario> [[--key value ...]][/] | list | report");
    foreach (var s in scenarios)
    {
        AnsiConsole.MarkupLineInterpolated($"  [bold]{s.Name}[/]  {s.Description}");
        AnsiConsole.MarkupLineInterpolated($"      {string.Join(" ", s.Options.Concat(ScenarioOptions.Common).Select(o => $"--{o} …"))}");
    }

    return args.Length == 0 ? 0 : 2;
}

var scenario = scenarios.Single(s => s.Name == args[0]);
if (!ScenarioOptions.TryParse(scenario, args[1..], out var options, out var error))
{
    await Console.Error.WriteLineAsync(error);
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

var started = DateTimeOffset.UtcNow;
var appHostArgs = options.Get("apphost-args");
await using var app = await AnsiConsole.Status().StartAsync("starting the app (local mode)…",
    _ => LocalApp.StartAsync(appHostArgs?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [], cancel.Token));
var result = await scenario.RunAsync(app, options, cancel.Token);
if (appHostArgs is not null)
{
    result.Notes.Add($"AppHost settings: `--apphost-args \"{appHostArgs}\"`");
}
result.Duration = DateTimeOffset.UtcNow - started;

var written = result.Write(ScenarioResult.ResultsDirectory);
AnsiConsole.WriteLine(result.ToMarkdown());
AnsiConsole.MarkupLineInterpolated($"[green]written[/] {written}");
return 0;
