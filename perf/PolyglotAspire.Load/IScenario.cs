namespace PolyglotAspire.Load;

/// <summary>One measurement: runs against the app (and its peers) and returns what it measured.</summary>
internal interface IScenario
{
    /// <summary>The command-line name, e.g. <c>write</c>.</summary>
    string Name { get; }

    /// <summary>One line: what is measured, beside what.</summary>
    string Description { get; }

    Task<ScenarioResult> RunAsync(LocalApp app, ScenarioOptions options, CancellationToken cancellationToken);
}

/// <summary>Options shared by scenarios, from <c>--key value</c> arguments (scenarios read what they need).</summary>
internal sealed class ScenarioOptions(IReadOnlyDictionary<string, string> values)
{
    public string? Get(string key) => values.TryGetValue(key, out var value) ? value : null;

    public int GetInt(string key, int fallback) => Get(key) is { } v ? int.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;

    public TimeSpan GetSeconds(string key, double fallback) =>
        TimeSpan.FromSeconds(Get(key) is { } v ? double.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : fallback);
}
