using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace PolyglotAspire.Load.Scenarios.Freshness;

/// <summary>
/// The read-your-writes guarantee as a client gets it: for a sample of orders (at most <paramref name="perSecond"/>),
/// the consistency token the write returned is presented to Analytics.Api's <c>/api/analytics/freshness?token=…&amp;waitMs=…</c>,
/// which answers once the worker's watermark has passed it; the order counts as visible when that answer arrives
/// with <c>tokenVisible: true</c>. Sampled, because each sample is a long poll held open by the API.
/// </summary>
internal sealed class TokenProbe(HttpClient analytics, double perSecond, TimeSpan wait) : IWriteObserver
{
    private readonly ConcurrentDictionary<string, long> _seen = new();
    private readonly ConcurrentBag<Task> _waits = [];
    private readonly long _spacing = (long)(Stopwatch.Frequency / perSecond);
    private long _nextSample;
    private int _notVisible;
    private int _failed;

    /// <summary>Customer id → when the API said the write is visible (unix microseconds).</summary>
    public IReadOnlyDictionary<string, long> Seen => _seen;

    public int Sampled => _waits.Count;

    /// <summary>Samples whose wait ended with <c>tokenVisible: false</c>.</summary>
    public int NotVisible => _notVisible;

    /// <summary>Samples whose request failed (no answer, or not 200), with the last reason.</summary>
    public int Failed => _failed;

    public string? LastFailure { get; private set; }

    public void Sending(string customerId)
    {
    }

    public void Answered(string customerId, HttpResponseMessage? response)
    {
        if (response?.StatusCode != HttpStatusCode.Created
            || !response.Headers.TryGetValues("X-Consistency-Token", out var tokens)
            || !TryTakeSample())
        {
            return;
        }

        var token = tokens.First();
        _waits.Add(Task.Run(() => WaitForAsync(customerId, token)));
    }

    /// <summary>Waits for every sample's answer.</summary>
    public Task DrainAsync() => Task.WhenAll(_waits);

    private bool TryTakeSample()
    {
        var now = Stopwatch.GetTimestamp();
        var next = Interlocked.Read(ref _nextSample);
        return now >= next && Interlocked.CompareExchange(ref _nextSample, now + _spacing, next) == next;
    }

    private async Task WaitForAsync(string customerId, string token)
    {
        try
        {
            var uri = new Uri($"/api/analytics/freshness?token={Uri.EscapeDataString(token)}&waitMs={(long)wait.TotalMilliseconds}", UriKind.Relative);
            using var response = await analytics.GetAsync(uri);
            var arrived = UnixMicroseconds.Now;
            response.EnsureSuccessStatusCode();
            using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync());
            if (body.RootElement.GetProperty("tokenVisible").GetBoolean())
            {
                _seen.TryAdd(customerId, arrived);
            }
            else
            {
                Interlocked.Increment(ref _notVisible);
            }
        }
        catch (HttpRequestException ex)
        {
            Interlocked.Increment(ref _failed);
            LastFailure = ex.Message;
        }
    }
}
