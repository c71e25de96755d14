using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using PolyglotAspire.Analytics.Freshness;

namespace PolyglotAspire.Analytics.UnitTests;

/// <summary>
/// Analytics never waits without bounds (issue 13 item 10): the PostgreSQL fallback admits a fixed number of queries
/// and a bounded queue, long-poll waits are capped, and the shared freshness read gives up after its timeout.
/// </summary>
public sealed class AdmissionTests : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly List<string> _measured = [];

    public AdmissionTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == RoutingMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            lock (_measured)
            {
                _measured.Add(instrument.Name + " " + string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}")));
            }
        });
        _listener.Start();
    }

    public void Dispose() => _listener.Dispose();

    private static FallbackAdmission Admission(int concurrency, int queue, int queueTimeoutMs = 60_000, int waits = 100) =>
        new(Options.Create(new AnalyticsOptions
        {
            FallbackMaxConcurrency = concurrency,
            FallbackQueueLimit = queue,
            FallbackQueueTimeoutMs = queueTimeoutMs,
            MaxConcurrentWaits = waits,
        }), new RoutingMetrics(new TestMeterFactory()));

    [Fact]
    public async Task Beyond_the_cap_fallbacks_queue_and_beyond_the_queue_they_are_refused_with_a_retry_after()
    {
        using var admission = Admission(concurrency: 2, queue: 1);
        var ct = TestContext.Current.CancellationToken;
        var first = await admission.EnterFallbackAsync("bounded_lag_exceeded", ct);
        var second = await admission.EnterFallbackAsync("bounded_lag_exceeded", ct);
        var queued = admission.EnterFallbackAsync("session_wait_expired", ct);
        Assert.False(queued.IsCompleted); // the cap: two run

        var refused = await Assert.ThrowsAsync<ReadRejectedException>(() => admission.EnterFallbackAsync("bounded_lag_exceeded", ct)); // the queue is full
        Assert.Equal(TimeSpan.FromSeconds(1), refused.RetryAfter);
        Assert.Contains("consistency=eventual", refused.Message, StringComparison.Ordinal);

        first.Dispose();
        using var third = await queued.WaitAsync(TimeSpan.FromSeconds(5), ct); // the queued one goes once a slot frees
        second.Dispose();
        lock (_measured)
        {
            Assert.Equal(3, _measured.Count(m => m.StartsWith("polyglot.analytics.fallbacks ", StringComparison.Ordinal) && m.Contains("polyglot.analytics.outcome=admitted", StringComparison.Ordinal)));
            Assert.Contains("polyglot.analytics.fallbacks polyglot.analytics.fallback.reason=bounded_lag_exceeded,polyglot.analytics.outcome=rejected", _measured);
        }
    }

    [Fact]
    public async Task A_queued_fallback_gives_up_after_the_queue_timeout()
    {
        using var admission = Admission(concurrency: 1, queue: 10, queueTimeoutMs: 100);
        using var held = await admission.EnterFallbackAsync("bounded_lag_exceeded", TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<ReadRejectedException>(() => admission.EnterFallbackAsync("bounded_lag_exceeded", TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Long_poll_waits_beyond_the_cap_are_refused_and_a_slot_comes_back_when_a_wait_ends()
    {
        using var admission = Admission(concurrency: 1, queue: 0, waits: 2);
        var a = admission.TryEnterWait("session");
        using var b = admission.TryEnterWait("freshness");
        Assert.NotNull(a);
        Assert.NotNull(b);
        Assert.Null(admission.TryEnterWait("session"));
        a!.Dispose();
        a.Dispose(); // twice: still one slot back
        using var c = admission.TryEnterWait("session");
        Assert.NotNull(c);
        Assert.Null(admission.TryEnterWait("session"));
        lock (_measured)
        {
            Assert.Equal(2, _measured.Count(m => m == "polyglot.analytics.waits_refused polyglot.analytics.wait.kind=session"));
        }
    }

    [Fact]
    public async Task The_shared_freshness_read_gives_up_after_its_timeout_when_the_stores_do_not_answer()
    {
        // A port that accepts connections and never answers: ClickHouse's sync_state and PostgreSQL's clock both hang.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var accepted = new List<Socket>();
        _ = Task.Run(async () =>
        {
            while (true)
            {
                accepted.Add(await silent.AcceptSocketAsync());
            }
        }, TestContext.Current.CancellationToken);
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        using var clickHouse = new ClickHouseClient(new ClickHouseClientSettings($"Host=127.0.0.1;Port={port};Protocol=http;Username=analytics_reader;Password=x")
        {
            JsonReadMode = JsonReadMode.None,
            JsonWriteMode = JsonWriteMode.None,
        });
        await using var postgres = NpgsqlDataSource.Create($"Host=127.0.0.1;Port={port};Username=u;Password=p;Timeout=60");
        var monitor = new FreshnessMonitor(clickHouse, postgres, Options.Create(new AnalyticsOptions { FreshnessReadTimeoutMs = 300 }),
            TimeProvider.System, NullLogger<FreshnessMonitor>.Instance);

        var read = monitor.GetAsync(TestContext.Current.CancellationToken);
        await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken)); // not WaitAsync: its own TimeoutException would pass
        Assert.True(read.IsCompleted, "the freshness read still waits");
        Assert.IsType<TimeoutException>(read.Exception?.GetBaseException());
        foreach (var socket in accepted)
        {
            socket.Dispose();
        }
    }

    private sealed class TestMeterFactory : IMeterFactory
    {
        public Meter Create(MeterOptions options) => new(options);

        public void Dispose()
        {
        }
    }
}
