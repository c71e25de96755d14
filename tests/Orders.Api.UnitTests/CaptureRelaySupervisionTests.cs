using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using PolyglotAspire.OrdersApi.Capture;
using PolyglotAspire.OrdersApi.Diagnostics;

namespace PolyglotAspire.OrdersApi.UnitTests;

/// <summary>The relay as a supervisor: what it does when a session ends, with sessions scripted by the test.</summary>
public sealed class CaptureRelaySupervisionTests : IDisposable
{
    private readonly WatchedTimeProvider _time = new();
    private readonly OrdersTelemetry _telemetry = CaptureTesting.Telemetry();
    private readonly MeterListener _listener = new();
    private readonly FakeSlotGuard _slots = new();
    private int _sessionFailures;
    private readonly CaptureRelayOptions _options = new()
    {
        RetryMinBackoff = TimeSpan.FromSeconds(1),
        RetryMaxBackoff = TimeSpan.FromSeconds(4),
        TakeoverRetryInterval = TimeSpan.FromSeconds(3),
    };

    public CaptureRelaySupervisionTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument == _telemetry.SessionFailures)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _sessionFailures, (int)value));
        _listener.Start();
    }

    public void Dispose()
    {
        _listener.Dispose();
        _telemetry.Dispose();
    }

    private static Func<RelayStatusBoard, CancellationToken, Task> Fails(string reason = "connection reset") =>
        (_, _) => Task.FromException(new IOException(reason));

    private static Func<RelayStatusBoard, CancellationToken, Task> SlotHeldElsewhere =>
        (_, _) => Task.FromException(new PostgresException("replication slot is active for PID 42", "ERROR", "ERROR", PostgresErrorCodes.ObjectInUse));

    private static Func<RelayStatusBoard, CancellationToken, Task> StreamsThenFails =>
        (status, _) =>
        {
            status.Set(RelayState.Streaming, null);
            return Task.FromException(new IOException("stream ended"));
        };

    [Fact]
    public async Task A_slot_held_by_another_instance_keeps_the_relay_on_standby_and_it_tries_again_every_takeover_interval()
    {
        var session = new ScriptedSession(SlotHeldElsewhere, SlotHeldElsewhere);
        using var relay = await StartAsync(session);

        await CaptureTesting.Until(() => _time.TimersCreated == 1, "the relay waits");
        Assert.Equal(RelayState.Standby, relay.Status.State);
        Assert.Contains("slot is active", relay.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(_options.TakeoverRetryInterval, _time.Waits[0]);

        _time.Advance(_options.TakeoverRetryInterval);
        await CaptureTesting.Until(() => _time.TimersCreated == 2, "the second attempt waits");
        Assert.Equal(_options.TakeoverRetryInterval, _time.Waits[1]);
        _time.Advance(_options.TakeoverRetryInterval);
        await CaptureTesting.Until(() => session.Runs == 3, "the third attempt");
        await relay.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Failures_in_a_row_back_off_exponentially_with_jitter_up_to_the_cap()
    {
        var session = new ScriptedSession(Fails(), Fails(), Fails(), Fails("still down"));
        using var relay = await StartAsync(session);

        await AssertWaitsAsync(1, 2, 4, 4);
        Assert.Equal(RelayState.Retrying, relay.Status.State);
        Assert.Equal("still down", relay.Status.Detail);
        Assert.Equal(4, _sessionFailures);
        await relay.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_session_that_got_to_stream_starts_the_backoff_over()
    {
        using var relay = await StartAsync(new ScriptedSession(Fails(), Fails(), StreamsThenFails));
        await AssertWaitsAsync(1, 2, 1);
        await relay.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Standby_starts_the_backoff_over()
    {
        using var relay = await StartAsync(new ScriptedSession(Fails(), Fails(), SlotHeldElsewhere, Fails()));
        await AssertWaitsAsync(1, 2, 3, 1);
        await relay.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_disabled_relay_opens_no_session()
    {
        _options.Enabled = false;
        var session = new ScriptedSession();
        using var relay = await StartAsync(session);

        await relay.ExecuteTask!.WaitAsync(CaptureTesting.Timeout, TestContext.Current.CancellationToken);
        Assert.Equal(RelayState.Disabled, relay.Status.State);
        Assert.Equal(0, session.Runs);
    }

    [Fact]
    public async Task Stopping_ends_the_relay_without_a_retry()
    {
        var session = new ScriptedSession(); // every session streams until the host stops
        using var relay = await StartAsync(session);
        await CaptureTesting.Until(() => session.Runs == 1, "the session");

        await relay.StopAsync(TestContext.Current.CancellationToken);
        Assert.Equal(RelayState.Stopped, relay.Status.State);
        Assert.Equal(1, session.Runs);
        Assert.Equal(0, _time.TimersCreated);
        Assert.Equal(0, _sessionFailures);
    }

    private async Task<CaptureRelay> StartAsync(ICaptureSession session)
    {
        var relay = new CaptureRelay(session, _slots, Options.Create(_options), _telemetry, _time, NullLogger<CaptureRelay>.Instance);
        await relay.StartAsync(TestContext.Current.CancellationToken);
        return relay;
    }

    /// <summary>Each wait between sessions, in seconds before jitter (±20 %); time moves on after each but the last.</summary>
    private async Task AssertWaitsAsync(params double[] seconds)
    {
        for (var i = 0; i < seconds.Length; i++)
        {
            await CaptureTesting.Until(() => _time.TimersCreated == i + 1, $"wait {i + 1}");
            Assert.InRange(_time.Waits[i].TotalSeconds, seconds[i] * 0.8, seconds[i] * 1.2);
            if (i < seconds.Length - 1)
            {
                _time.Advance(_time.Waits[i]);
            }
        }
    }

    /// <summary>The slot as the test says it is: usable (null) or lost.</summary>
    internal sealed class FakeSlotGuard : IReplicationSlotGuard
    {
        private int _checks;

        public SlotLoss? Loss { get; set; }

        public int Checks => Volatile.Read(ref _checks);

        public Task<SlotLoss?> FindLossAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _checks);
            return Task.FromResult(Loss);
        }
    }

    /// <summary>Runs the scripted sessions in order; after the script, a session streams until the host stops.</summary>
    internal sealed class ScriptedSession(params Func<RelayStatusBoard, CancellationToken, Task>[] script) : ICaptureSession
    {
        private int _runs;

        public int Runs => Volatile.Read(ref _runs);

        public Task RunAsync(RelayStatusBoard status, CancellationToken stoppingToken)
        {
            var run = Interlocked.Increment(ref _runs) - 1;
            return run < script.Length ? script[run](status, stoppingToken) : Task.Delay(Timeout.Infinite, stoppingToken);
        }
    }
}
