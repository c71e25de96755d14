using System.Globalization;

namespace PolyglotAspire.Load;

/// <summary>A scenario's <c>--key value</c> options, checked against the ones it declares (<see cref="IScenario.Options"/>).</summary>
internal sealed class ScenarioOptions
{
    /// <summary>Options every scenario takes: settings for the AppHost, e.g. <c>--apphost-args "SyncWorker:BatchMaxRows=50000"</c>.</summary>
    public static readonly IReadOnlyList<string> Common = ["apphost-args"];

    private readonly IReadOnlyDictionary<string, string> _values;
    private readonly HashSet<string> _known;

    private ScenarioOptions(IReadOnlyDictionary<string, string> values, IEnumerable<string> known)
    {
        _values = values;
        _known = [.. known];
    }

    /// <summary>
    /// Parses <c>--key value</c> pairs; <paramref name="error"/> says what is wrong (an unknown or repeated option, a
    /// missing value, a stray word) and lists the options <paramref name="scenario"/> knows.
    /// </summary>
    public static bool TryParse(IScenario scenario, IReadOnlyList<string> args, out ScenarioOptions options, out string? error)
    {
        var known = scenario.Options.Concat(Common).ToList();
        var values = new Dictionary<string, string>();
        options = new ScenarioOptions(values, known);
        error = null;
        for (var i = 0; i < args.Count; i += 2)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                error = $"'{arg}' is not an option (options are --key value).";
            }
            else if (!known.Contains(arg[2..]))
            {
                error = $"unknown option {arg} for scenario '{scenario.Name}'.";
            }
            else if (i + 1 >= args.Count)
            {
                error = $"option {arg} needs a value.";
            }
            else if (!values.TryAdd(arg[2..], args[i + 1]))
            {
                error = $"option {arg} is given twice.";
            }

            if (error is not null)
            {
                error += $" Options of '{scenario.Name}': {string.Join(", ", known.Select(k => "--" + k))}.";
                return false;
            }
        }

        return true;
    }

    public string? Get(string key)
    {
        // A scenario reading an option it did not declare would make that option unusable: fail at once.
        if (!_known.Contains(key))
        {
            throw new InvalidOperationException($"Option '{key}' is read but not declared in the scenario's Options.");
        }

        return _values.TryGetValue(key, out var value) ? value : null;
    }

    public int GetInt(string key, int fallback) => Get(key) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public TimeSpan GetSeconds(string key, double fallback) =>
        TimeSpan.FromSeconds(Get(key) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : fallback);
}
