using Microsoft.Extensions.Options;

namespace PolyglotAspire.SyncWorker;

/// <summary>Checks <see cref="SyncWorkerOptions"/> at start-up: the worker refuses to run on nonsense.</summary>
public sealed class SyncWorkerOptionsValidator : IValidateOptions<SyncWorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, SyncWorkerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();

        void Require(bool condition, string message)
        {
            if (!condition)
            {
                failures.Add($"{SyncWorkerOptions.SectionName}:{message}");
            }
        }

        static bool Between(TimeSpan value, TimeSpan min, TimeSpan max) => value >= min && value <= max;

        Require(!string.IsNullOrWhiteSpace(options.Topic), "Topic must be set.");
        Require(!string.IsNullOrWhiteSpace(options.DeadLetterTopic), "DeadLetterTopic must be set.");
        Require(options.DeadLetterTopic != options.Topic, "DeadLetterTopic must differ from Topic.");
        Require(options.BatchMaxRows is >= 1 and <= 10_000_000, $"BatchMaxRows is {options.BatchMaxRows}; expected 1 to 10,000,000.");
        Require(options.BatchMaxBytes is >= 64 << 10 and <= 1L << 30, $"BatchMaxBytes is {options.BatchMaxBytes}; expected 64 KiB to 1 GiB.");
        Require(Between(options.BatchMaxAge, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(10)),
            $"BatchMaxAge is {options.BatchMaxAge}; expected 1 ms to 10 min.");
        Require(Between(options.BatchLinger, TimeSpan.Zero, options.BatchMaxAge),
            $"BatchLinger is {options.BatchLinger}; expected 0 to BatchMaxAge ({options.BatchMaxAge}).");
        Require(Between(options.FreshnessTarget, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(24)),
            $"FreshnessTarget is {options.FreshnessTarget}; expected 100 ms to 24 h.");
        Require(options.ChannelCapacity is >= 1 and <= 10_000, $"ChannelCapacity is {options.ChannelCapacity}; expected 1 to 10,000.");
        Require(options.BlockMessages is >= 1 and <= 1_000_000, $"BlockMessages is {options.BlockMessages}; expected 1 to 1,000,000.");
        Require(options.InsertParallelism is >= 1 and <= 16, $"InsertParallelism is {options.InsertParallelism}; expected 1 to 16.");
        Require(options.PendingBatches is >= 1 and <= 16, $"PendingBatches is {options.PendingBatches}; expected 1 to 16.");
        Require(Between(options.PauseAfter, TimeSpan.Zero, TimeSpan.FromSeconds(60)), $"PauseAfter is {options.PauseAfter}; expected 0 to 60 s.");
        Require(Between(options.PollTimeout, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(10)),
            $"PollTimeout is {options.PollTimeout}; expected 1 ms to 10 s.");
        Require(Between(options.RetryInitialDelay, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1)),
            $"RetryInitialDelay is {options.RetryInitialDelay}; expected 1 ms to 1 min.");
        Require(Between(options.RetryMaxDelay, options.RetryInitialDelay, TimeSpan.FromMinutes(10)),
            $"RetryMaxDelay is {options.RetryMaxDelay}; expected RetryInitialDelay to 10 min.");
        Require(Between(options.DegradedAfter, TimeSpan.Zero, TimeSpan.FromHours(1)), $"DegradedAfter is {options.DegradedAfter}; expected 0 to 1 h.");
        Require(Between(options.UnhealthyAfter, options.DegradedAfter, TimeSpan.FromDays(1)),
            $"UnhealthyAfter is {options.UnhealthyAfter}; expected DegradedAfter to 1 day.");
        Require(Between(options.RevocationFlushTimeout, TimeSpan.Zero, TimeSpan.FromMinutes(2)),
            $"RevocationFlushTimeout is {options.RevocationFlushTimeout}; expected 0 to 2 min (below the consumer session timeout).");
        Require(Between(options.ShutdownDrainTimeout, TimeSpan.Zero, TimeSpan.FromMinutes(10)),
            $"ShutdownDrainTimeout is {options.ShutdownDrainTimeout}; expected 0 to 10 min.");
        Require(Between(options.ClickHouseTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)),
            $"ClickHouseTimeout is {options.ClickHouseTimeout}; expected 1 s to 1 h.");
        Require(Between(options.MigrationTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)),
            $"MigrationTimeout is {options.MigrationTimeout}; expected 1 s to 1 day.");
        Require(options.MaxTraceLinksPerBatch is >= 0 and <= 10_000, $"MaxTraceLinksPerBatch is {options.MaxTraceLinksPerBatch}; expected 0 to 10,000.");
        Require(string.IsNullOrWhiteSpace(options.ClickHouseCluster) || !options.ClickHouseCluster.Contains('`', StringComparison.Ordinal),
            "ClickHouseCluster must be a cluster name (no backquotes) or empty.");

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
