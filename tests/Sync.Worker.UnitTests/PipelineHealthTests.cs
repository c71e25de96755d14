using ClickHouse.Driver;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PolyglotAspire.SyncWorker.Pipeline;

namespace PolyglotAspire.SyncWorker.UnitTests;

/// <summary>
/// The worker's health says Unhealthy when it should (issue 13 item 8): at once for failures that need an operator
/// (authentication, privileges, schema), after <see cref="SyncWorkerOptions.UnhealthyAfter"/> for transient ones —
/// on <c>/health</c> only: <c>/alive</c> stays up, a restart would cure neither.
/// </summary>
public sealed class PipelineHealthTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly PipelineStatus _status = new();
    private readonly SyncControl _control = new();
    private readonly PolyglotAspire.SyncWorker.Telemetry.SyncMetrics _metrics;
    private readonly SyncWorkerOptions _options = new() { DegradedAfter = TimeSpan.FromSeconds(5), UnhealthyAfter = TimeSpan.FromMinutes(2) };

    public PipelineHealthTests()
    {
        _metrics = Doubles.Metrics(_time);
        _status.Started();
    }


    private async Task<HealthStatus> HealthAsync(bool liveness = false) =>
        (await new PipelineHealthCheck(_status, _metrics, _control, _time, Options.Create(_options), liveness).CheckHealthAsync(new HealthCheckContext())).Status;

    public static TheoryData<int, string> PermanentClickHouseErrors => new()
    {
        { 516, "Authentication failed: password is incorrect, or there is no user with such name" },
        { 497, "sync_writer: Not enough privileges. To execute this query, it's necessary to have the grant INSERT ON analytics.orders" },
        { 60, "Unknown table expression identifier 'orders' in scope" },
        { 16, "No such column is_deleted in table analytics.orders" },
    };

    [Theory]
    [MemberData(nameof(PermanentClickHouseErrors))]
    public async Task A_failure_that_needs_an_operator_is_unhealthy_at_once_and_healthy_again_once_it_succeeds(int code, string message)
    {
        var retry = new RetryPolicy(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(2), TimeProvider.System, Doubles.Metrics(), _status, NullLogger.Instance);
        var attempts = 0;
        HealthStatus? whileRetrying = null, aliveWhileRetrying = null;
        await retry.ExecuteAsync("insert orders", async _ =>
        {
            if (++attempts == 3)
            {
                // Two refusals so far, a moment ago: no time for "degraded after", and it is already unhealthy.
                (whileRetrying, aliveWhileRetrying) = (await HealthAsync(), await HealthAsync(liveness: true));
                return; // the operator fixed it: the next attempt succeeds
            }

            throw new ClickHouseServerException(message, "INSERT INTO orders FORMAT RowBinary", code);
        }, TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Unhealthy, whileRetrying);
        Assert.Equal(HealthStatus.Healthy, aliveWhileRetrying);
        Assert.Equal(HealthStatus.Healthy, await HealthAsync());
    }

    [Fact]
    public async Task A_transient_failure_is_healthy_then_degraded_then_unhealthy_and_a_new_failure_does_not_restart_the_clock()
    {
        _status.Retrying("insert orders", new HttpRequestException("Connection refused"), _time.GetTimestamp());
        Assert.Equal(HealthStatus.Healthy, await HealthAsync());

        _time.Advance(_options.DegradedAfter);
        _status.Retrying("insert orders", new TimeoutException("The operation has timed out"), _time.GetTimestamp()); // another kind: same streak
        Assert.Equal(HealthStatus.Degraded, await HealthAsync());

        _time.Advance(_options.UnhealthyAfter - _options.DegradedAfter);
        _status.Retrying("insert orders", new HttpRequestException("Connection refused"), _time.GetTimestamp());
        Assert.Equal(HealthStatus.Unhealthy, await HealthAsync());
        Assert.Equal(HealthStatus.Healthy, await HealthAsync(liveness: true));

        _status.Succeeded();
        Assert.Equal(HealthStatus.Healthy, await HealthAsync());
    }

    [Fact]
    public async Task Data_older_than_the_freshness_target_is_degraded_on_health_and_not_on_alive()
    {
        Assert.Equal(HealthStatus.Healthy, await HealthAsync()); // no watermark yet: nothing to judge

        _metrics.Watermark(0, _time.GetUtcNow().ToUnixTimeMilliseconds());
        _metrics.Watermark(1, _time.GetUtcNow().ToUnixTimeMilliseconds());
        _time.Advance(_options.FreshnessTarget);
        Assert.Equal(HealthStatus.Healthy, await HealthAsync()); // exactly at the target

        _metrics.Watermark(0, _time.GetUtcNow().ToUnixTimeMilliseconds()); // partition 1 stays behind
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(HealthStatus.Degraded, await HealthAsync());
        Assert.Equal(HealthStatus.Healthy, await HealthAsync(liveness: true));

        _metrics.Watermark(1, _time.GetUtcNow().ToUnixTimeMilliseconds());
        Assert.Equal(HealthStatus.Healthy, await HealthAsync());
    }

    [Fact]
    public async Task A_partition_stopped_before_a_newer_envelope_is_unhealthy_and_says_why_but_alive()
    {
        _status.Halt(2, 1234, epoch: 1, "SchemaVersion 2 is newer than this worker's 1");
        var result = await new PipelineHealthCheck(_status, _metrics, _control, _time, Options.Create(_options)).CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("partition 2 stopped before offset 1234: SchemaVersion 2 is newer than this worker's 1", result.Description, StringComparison.Ordinal);
        Assert.Contains("upgrade Sync.Worker", result.Description, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Healthy, await HealthAsync(liveness: true)); // a restart would stop at the same message
    }

    [Fact]
    public async Task A_faulted_pipeline_is_unhealthy_on_both()
    {
        _status.Faulted(new InvalidOperationException("boom"));
        Assert.Equal(HealthStatus.Unhealthy, await HealthAsync());
        Assert.Equal(HealthStatus.Unhealthy, await HealthAsync(liveness: true));
    }

    [Theory]
    [InlineData(516, "authentication")]
    [InlineData(194, "authentication")]
    [InlineData(164, "privileges")]
    [InlineData(81, "schema")]
    [InlineData(53, "schema")]
    public void ClickHouse_errors_that_need_an_operator_are_named(int code, string reason) =>
        Assert.StartsWith(reason, FailureClassifier.PermanentReason(new ClickHouseServerException("x", "q", code)), StringComparison.Ordinal);

    [Theory]
    [InlineData(159)] // TIMEOUT_EXCEEDED
    [InlineData(202)] // TOO_MANY_SIMULTANEOUS_QUERIES
    [InlineData(241)] // MEMORY_LIMIT_EXCEEDED
    [InlineData(252)] // TOO_MANY_PARTS
    public void Overload_and_timeouts_are_transient(int code) =>
        Assert.Null(FailureClassifier.PermanentReason(new ClickHouseServerException("x", "q", code)));

    [Fact]
    public void UnhealthyAfter_below_DegradedAfter_is_refused()
    {
        var result = new SyncWorkerOptionsValidator().Validate(null, new SyncWorkerOptions { DegradedAfter = TimeSpan.FromMinutes(1), UnhealthyAfter = TimeSpan.FromSeconds(1) });
        Assert.Contains(result.Failures!, f => f.StartsWith("SyncWorker:UnhealthyAfter", StringComparison.Ordinal));
    }
}
