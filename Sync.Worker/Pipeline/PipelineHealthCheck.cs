using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>
/// <c>/health</c> (and <c>/alive</c>: tagged live) for the pipeline. Unhealthy when it faulted (a restart is the
/// cure) or has not started yet; Degraded while an operator has paused consumption (<see cref="SyncControl"/>); Degraded while the schema is being migrated (before the start), or while an operation has been retried for
/// longer than <see cref="SyncWorkerOptions.DegradedAfter"/> (ClickHouse unavailable: consumption is paused and
/// nothing is committed, and it will catch up by itself); Healthy otherwise.
/// </summary>
internal sealed class PipelineHealthCheck(PipelineStatus status, SyncControl control, TimeProvider time, IOptions<SyncWorkerOptions> options) : IHealthCheck
{
    public const string Name = "sync-pipeline";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var (fault, retrying, since) = status.Snapshot();
        if (fault is not null)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"The sync pipeline faulted: {fault.Message}", fault));
        }

        if (!status.Running && retrying is null && status.Migrating is { } step)
        {
            // Alive and working (a migration copies the whole table): Degraded keeps /alive passing, so an
            // orchestrator does not restart the worker part-way through, which would only make it start over.
            return Task.FromResult(HealthCheckResult.Degraded($"Migrating the ClickHouse schema before the pipeline starts: {step}"));
        }

        if (!status.Running)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy(
                retrying is null ? "The sync pipeline is not running." : $"The sync pipeline is starting: {retrying}"));
        }

        if (control.Paused)
        {
            // Paused on purpose, not broken: /alive must pass (no restart), and it says so.
            return Task.FromResult(HealthCheckResult.Degraded("Paused by an operator: nothing is consumed until POST /api/admin/sync/resume."));
        }

        if (retrying is not null && time.GetElapsedTime(since) >= options.Value.DegradedAfter)
        {
            return Task.FromResult(HealthCheckResult.Degraded(
                $"Retrying for {time.GetElapsedTime(since).TotalSeconds:F0} s (consumption paused, nothing committed past written data): {retrying}"));
        }

        return Task.FromResult(HealthCheckResult.Healthy());
    }
}
