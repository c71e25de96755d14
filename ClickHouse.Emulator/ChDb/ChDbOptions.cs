using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ClickHouse.Emulator.ChDb;

/// <summary>Configuration section <c>ChDb</c> (env: <c>ChDb__LibraryPath</c>, <c>ChDb__DataPath</c>, …).</summary>
public sealed class ChDbOptions
{
    public const string SectionName = "ChDb";

    /// <summary>Full path of <c>libchdb.so</c> (installed by <c>eng/install-engines.sh</c>); required.</summary>
    public string LibraryPath { get; set; } = string.Empty;

    /// <summary>The engine's data directory (required); created if missing. One process owns it.</summary>
    public string DataPath { get; set; } = string.Empty;

    /// <summary>Statements executing at once (one engine session each); further requests queue.</summary>
    [Range(1, 256)]
    public int MaxConcurrentQueries { get; set; } = 8;

    /// <summary>Idle sessions kept for reuse, keyed by database + settings.</summary>
    [Range(0, 1024)]
    public int MaxIdleSessions { get; set; } = 16;

    /// <summary>Bytes of request body handed to the engine per streaming-insert append.</summary>
    [Range(4096, 64 * 1024 * 1024)]
    public int InsertChunkBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Output of a streamed SELECT held back before the status line is sent (the default for
    /// ClickHouse's <c>http_response_buffer_size</c>): a query that fails or ends within it is answered
    /// with a real HTTP status instead of an in-band error.
    /// </summary>
    [Range(0, 1024L * 1024 * 1024)]
    public long ResponseBufferBytes { get; set; } = 1024 * 1024;

    /// <summary>How long shutdown waits for running statements before it closes the engine.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Fails start-up with an actionable message instead of a DllNotFoundException later.</summary>
internal sealed class ChDbOptionsValidator : IValidateOptions<ChDbOptions>
{
    public ValidateOptionsResult Validate(string? name, ChDbOptions options)
    {
        List<string> failures = [];
        if (string.IsNullOrWhiteSpace(options.LibraryPath))
        {
            failures.Add("ChDb:LibraryPath is not set. It must be the full path of libchdb.so; run ./run.sh or eng/install-engines.sh to install the chDB engine.");
        }
        else if (!Path.IsPathFullyQualified(options.LibraryPath))
        {
            failures.Add($"ChDb:LibraryPath '{options.LibraryPath}' must be an absolute path of libchdb.so.");
        }
        else if (!File.Exists(options.LibraryPath))
        {
            failures.Add($"ChDb:LibraryPath '{options.LibraryPath}' does not exist. Run ./run.sh or eng/install-engines.sh to install the chDB engine.");
        }

        if (string.IsNullOrWhiteSpace(options.DataPath))
        {
            failures.Add("ChDb:DataPath is not set (the engine's data directory).");
        }
        else if (File.Exists(options.DataPath))
        {
            failures.Add($"ChDb:DataPath '{options.DataPath}' is a file, not a directory.");
        }

        if (options.MaxIdleSessions < options.MaxConcurrentQueries)
        {
            failures.Add("ChDb:MaxIdleSessions must be at least ChDb:MaxConcurrentQueries, or busy sessions are closed instead of reused.");
        }

        if (options.ShutdownTimeout < TimeSpan.Zero)
        {
            failures.Add("ChDb:ShutdownTimeout must not be negative.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
