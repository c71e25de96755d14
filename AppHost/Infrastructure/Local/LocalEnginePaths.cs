
namespace PolyglotAspire.AppHost.Infrastructure.Local;

/// <summary>
/// Where local mode finds its engines (installed by <c>eng/install-engines.sh</c>) and keeps its data.
/// Missing engines fail the AppHost at start with a message that says how to install them.
/// </summary>
internal sealed record LocalEnginePaths(string Scripts, string Engines, string Data, string PostgresBin)
{
    // Same folder names as eng/common.sh.
    public string KafkaHome => Path.Combine(Engines, "kafka-0.9.0.1");
    public string ChDbLibrary => Path.Combine(Engines, "chdb-26.7.3", "libchdb.so");

    public static LocalEnginePaths Resolve(IDistributedApplicationBuilder builder)
    {
        var repository = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");

        var paths = new LocalEnginePaths(
            Scripts: Path.Combine(repository, "eng", "local"),
            Engines: builder.Configuration["Infrastructure:EnginesPath"]
                ?? Environment.GetEnvironmentVariable("POLYGLOT_ENGINES")
                ?? Path.Combine(cache, "polyglot-aspire", "engines"),
            Data: Path.GetFullPath(builder.Configuration["Infrastructure:DataPath"] ?? Path.Combine(repository, ".data")),
            PostgresBin: FindPostgresBin() ?? "");
        paths.Validate();
        return paths;
    }

    private void Validate()
    {
        List<string> missing = [];
        if (PostgresBin.Length == 0)
        {
            missing.Add("PostgreSQL server (/usr/lib/postgresql/<version>/bin/postgres)");
        }

        if (!File.Exists(Path.Combine(KafkaHome, ".installed")))
        {
            missing.Add($"Apache Kafka 0.9.0.1 ({KafkaHome})");
        }

        if (!File.Exists(ChDbLibrary))
        {
            missing.Add($"chDB, the ClickHouse engine ({ChDbLibrary})");
        }

        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"Local mode needs engines that are not installed: {string.Join("; ", missing)}. " +
                "Run ./run.sh (installs them, then starts the app) or eng/install-engines.sh.");
        }
    }

    private static string? FindPostgresBin()
    {
        const string root = "/usr/lib/postgresql";
        return Directory.Exists(root)
            ? Directory.GetDirectories(root)
                .Select(d => Path.Combine(d, "bin"))
                .Where(bin => File.Exists(Path.Combine(bin, "postgres")))
                .OrderByDescending(bin => Version.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out var v) ? v : new Version())
                .FirstOrDefault()
            : null;
    }
}
