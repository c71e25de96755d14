using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using PolyglotAspire.OrdersApi.Capture;

namespace PolyglotAspire.OrdersApi.UnitTests;

/// <summary>
/// The relay's health tells the truth at the edges (issue 13 items 2, 6, 8): a relay that keeps failing turns
/// Unhealthy although every retry changes its state; a failure that needs an operator is Unhealthy at once; a lost
/// slot stops capture and says why and the way back; a slot that retains too much WAL is Degraded.
/// </summary>
public sealed class CaptureRelayHealthTests : IDisposable
{
    private readonly WatchedTimeProvider _time = new();
    private readonly CaptureRelaySupervisionTests.FakeSlotGuard _slots = new();
    private readonly NpgsqlDataSource _nowhere = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1");
    private readonly CaptureRelayOptions _options = new()
    {
        RetryMinBackoff = TimeSpan.FromSeconds(1),
        RetryMaxBackoff = TimeSpan.FromSeconds(4),
        UnhealthyAfter = TimeSpan.FromSeconds(60),
    };

    private ReplicationSlotMonitor? _monitor;

    public void Dispose() => _nowhere.Dispose();

    private static Func<RelayStatusBoard, CancellationToken, Task> Fails(Exception exception) => (_, _) => Task.FromException(exception);

    private static Task StreamsUntilStopped(RelayStatusBoard status, CancellationToken stoppingToken)
    {
        status.Set(RelayState.Streaming, null);
        return Task.Delay(Timeout.Infinite, stoppingToken);
    }

    private async Task<(CaptureRelay Relay, CaptureRelayHealthCheck Health)> StartAsync(params Func<RelayStatusBoard, CancellationToken, Task>[] script)
    {
        var options = Options.Create(_options);
        var relay = new CaptureRelay(new CaptureRelaySupervisionTests.ScriptedSession(script), _slots, options, CaptureTesting.Telemetry(), _time,
            NullLogger<CaptureRelay>.Instance);
        _monitor = new ReplicationSlotMonitor(new ReplicationSlotGuard(_nowhere, options, _time, NullLogger<ReplicationSlotGuard>.Instance), options,
            CaptureTesting.Telemetry(), _time, NullLogger<ReplicationSlotMonitor>.Instance);
        await relay.StartAsync(TestContext.Current.CancellationToken);
        return (relay, new CaptureRelayHealthCheck(relay, _monitor, options, _time));
    }

    private static async Task<HealthCheckResult> CheckAsync(CaptureRelayHealthCheck health) =>
        await health.CheckHealthAsync(new HealthCheckContext
        {
            Registration = new HealthCheckRegistration("capture-relay", health, HealthStatus.Unhealthy, null),
        });

    [Fact]
    public async Task A_relay_that_keeps_failing_turns_unhealthy_after_UnhealthyAfter_although_every_retry_changes_its_state()
    {
        var (relay, health) = await StartAsync([.. Enumerable.Repeat(Fails(new IOException("connection refused")), 100)]);
        var waited = TimeSpan.Zero;
        for (var i = 0; waited <= _options.UnhealthyAfter; i++)
        {
            await CaptureTesting.Until(() => _time.TimersCreated == i + 1, $"retry {i + 1} waits");
            Assert.Equal(HealthStatus.Degraded, (await CheckAsync(health)).Status);
            waited += _time.Waits[i];
            _time.Advance(_time.Waits[i]);
        }

        await CaptureTesting.Until(() => _time.TimersCreated > 0 && relay.Status.State == RelayState.Retrying, "the next failure");
        var result = await CheckAsync(health);
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("has not streamed for", result.Description, StringComparison.Ordinal);
        await relay.StopAsync(TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData(PostgresErrorCodes.InvalidPassword, "password authentication failed for user \"postgres\"")]
    [InlineData(PostgresErrorCodes.InsufficientPrivilege, "permission denied to start WAL sender")]
    [InlineData(PostgresErrorCodes.UndefinedObject, "publication \"orders_outbox\" does not exist")]
    public async Task A_failure_that_needs_an_operator_is_unhealthy_at_once(string sqlState, string message)
    {
        var (relay, health) = await StartAsync(Fails(new PostgresException(message, "FATAL", "FATAL", sqlState)));
        await CaptureTesting.Until(() => _time.TimersCreated == 1, "the retry waits");

        var result = await CheckAsync(health);
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("needs an operator", result.Description, StringComparison.Ordinal);
        await relay.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_lost_slot_stops_capture_and_health_says_why_and_the_way_back()
    {
        _slots.Loss = new SlotLoss(_options.SlotName, _time.GetUtcNow(), "the slot no longer exists", 0x16_B374D848);
        var (relay, health) = await StartAsync(Fails(new PostgresException("replication slot \"orders_outbox_relay\" does not exist", "ERROR", "ERROR", PostgresErrorCodes.UndefinedObject)));
        await CaptureTesting.Until(() => relay.Status.State == RelayState.SlotLost, "the relay stops");

        var result = await CheckAsync(health);
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("16/B374D848", result.Description, StringComparison.Ordinal);
        Assert.Contains("backfill", result.Description, StringComparison.Ordinal);
        Assert.Contains("recreate_after_loss", result.Description, StringComparison.Ordinal);

        // No new session, no retry: capture stays stopped rather than restarting from the current position.
        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(1, _slots.Checks);
        Assert.Equal(RelayState.SlotLost, relay.Status.State);
        await relay.StopAsync(TestContext.Current.CancellationToken);
        Assert.Equal(RelayState.SlotLost, relay.Status.State);
    }

    [Theory]
    [InlineData("extended", 2L << 30)] // more than SlotLagDegradedBytes
    [InlineData("unreserved", 64L << 20)] // lost at the next checkpoint
    public async Task A_slot_that_retains_too_much_WAL_is_degraded_while_streaming(string walStatus, long lagBytes)
    {
        var (relay, health) = await StartAsync(StreamsUntilStopped);
        await CaptureTesting.Until(() => relay.Status.State == RelayState.Streaming, "streaming");
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(health)).Status);

        _monitor!.Latest = new SlotReading(new SlotState("pgoutput", walStatus, 1, lagBytes, 1L << 30, Active: true), _time.GetUtcNow());
        var result = await CheckAsync(health);
        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Contains("max_slot_wal_keep_size", result.Description, StringComparison.Ordinal);
        await relay.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_slot_invalidated_while_the_relay_waits_for_Kafka_is_unhealthy_before_the_relay_notices()
    {
        var (relay, health) = await StartAsync(StreamsUntilStopped); // blocked on Kafka: it reads no stream, so it sees no error
        await CaptureTesting.Until(() => relay.Status.State == RelayState.Streaming, "streaming");

        var loss = new SlotLoss(_options.SlotName, _time.GetUtcNow(), "PostgreSQL invalidated it: it retained more WAL than max_slot_wal_keep_size allows", 42);
        _monitor!.Latest = new SlotReading(new SlotState("pgoutput", "lost", 42, null, null, Active: false), _time.GetUtcNow(), loss);
        var result = await CheckAsync(health);
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("max_slot_wal_keep_size", result.Description, StringComparison.Ordinal);
        await relay.StopAsync(TestContext.Current.CancellationToken);
    }
}
