using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using PolyglotAspire.SyncWorker.Telemetry;

namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>
/// The pipeline in <c>/health</c> (ready) and <c>/alive</c> (live). Both: Unhealthy when it faulted (a restart is
/// the cure) or has not started yet; Degraded while the schema is migrated before the start. Ready only, since a restart cures neither:
/// Unhealthy at once when an operation fails for a reason that needs an operator (authentication, privileges,
/// schema: <see cref="FailureClassifier"/>), and when a transient failure has lasted
/// <see cref="SyncWorkerOptions.UnhealthyAfter"/>, and while a partition is stopped before a message of a newer
/// envelope schema; Degraded from <see cref="SyncWorkerOptions.DegradedAfter"/>
/// (ClickHouse unavailable: consumption is paused and nothing is committed, and it catches up by itself), and
/// while the furthest-behind partition is older than <see cref="SyncWorkerOptions.FreshnessTarget"/>. The
/// worker keeps retrying either way: it never drops data, and a fixed grant or schema resumes it. Degraded while an
/// operator has paused consumption (<see cref="SyncControl"/>): paused on purpose, not broken.
/// </summary>
internal sealed class PipelineHealthCheck(PipelineStatus status, SyncMetrics metrics, SyncControl control, TimeProvider time, IOptions<SyncWorkerOptions> options, bool liveness = false) : IHealthCheck
{
    public const string Name = "sync-pipeline";
    public const string LivenessName = "sync-pipeline-alive";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Check());

    private HealthCheckResult Check()
    {
        var (fault, retrying, since, permanent, halted) = status.Snapshot();
        if (fault is not null)
        {
            return HealthCheckResult.Unhealthy($"The sync pipeline faulted: {fault.Message}", fault);
        }

        if (!status.Running && retrying is null && status.Migrating is { } step)
        {
            // Alive and working (a migration copies the whole table): Degraded keeps /alive passing, so an
            // orchestrator does not restart the worker part-way through, which would only make it start over.
            return HealthCheckResult.Degraded($"Migrating the ClickHouse schema before the pipeline starts: {step}");
        }

        if (!status.Running)
        {
            return HealthCheckResult.Unhealthy(retrying is null ? "The sync pipeline is not running." : $"The sync pipeline is starting: {retrying}");
        }

        if (halted is not null && !liveness)
        {
            // Needs an operator (a worker that reads the newer envelope), and a restart would stop at the same message.
            return HealthCheckResult.Unhealthy(
                $"Stopped consuming before messages this worker cannot read (upgrade Sync.Worker; nothing after them is applied or committed, the watermark stays behind them): {halted}");
        }

        if (control.Paused && !liveness)
        {
            // Degraded, not Unhealthy: a restart would only resume it, and it says why.
            return HealthCheckResult.Degraded("Paused by an operator: nothing is consumed until POST /api/admin/sync/resume.");
        }

        if (liveness)
        {
            return HealthCheckResult.Healthy();
        }

        var settings = options.Value;
        if (retrying is null)
        {
            // The freshness target: data older than promised is worth saying, even when nothing fails (a slow
            // ClickHouse, a backlog, a silent relay — no heartbeats either).
            return metrics.FreshnessLag() is { } lag && lag > settings.FreshnessTarget
                ? HealthCheckResult.Degraded($"ClickHouse is {lag.TotalSeconds:F1} s behind the source, more than the freshness target of {settings.FreshnessTarget.TotalSeconds:F1} s (SyncWorker:FreshnessTarget).")
                : HealthCheckResult.Healthy();
        }

        var elapsed = time.GetElapsedTime(since);
        if (permanent is not null)
        {
            return HealthCheckResult.Unhealthy(
                $"Failing for {elapsed.TotalSeconds:F0} s for a reason that needs an operator ({permanent}); retrying until it is fixed, nothing is committed past written data: {retrying}");
        }

        if (elapsed >= settings.UnhealthyAfter)
        {
            return HealthCheckResult.Unhealthy(
                $"Retrying for {elapsed.TotalSeconds:F0} s (longer than {settings.UnhealthyAfter.TotalSeconds:F0} s; consumption paused, nothing committed past written data): {retrying}");
        }

        return elapsed >= settings.DegradedAfter
            ? HealthCheckResult.Degraded($"Retrying for {elapsed.TotalSeconds:F0} s (consumption paused, nothing committed past written data): {retrying}")
            : HealthCheckResult.Healthy();
    }
}
