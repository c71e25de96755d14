using System.Diagnostics;
using HdrHistogram;

namespace PolyglotAspire.Load;

/// <summary>A latency distribution (HdrHistogram, microsecond resolution, 3 significant digits); safe to record from many tasks.</summary>
internal sealed class Latency
{
    private readonly LongHistogram _histogram = new((long)TimeSpan.FromMinutes(10).TotalMicroseconds, 3);

    public long Count { get { lock (_histogram) { return _histogram.TotalCount; } } }

    public void Record(TimeSpan elapsed)
    {
        lock (_histogram)
        {
            _histogram.RecordValue(Math.Max(1, (long)elapsed.TotalMicroseconds));
        }
    }

    /// <summary>Runs <paramref name="action"/> and records how long it took.</summary>
    public async Task<T> TimeAsync<T>(Func<Task<T>> action)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await action();
        Record(Stopwatch.GetElapsedTime(started));
        return result;
    }

    /// <summary>The latency at <paramref name="percentile"/> (0–100), in milliseconds.</summary>
    public double Ms(double percentile)
    {
        lock (_histogram)
        {
            return _histogram.TotalCount == 0 ? double.NaN : _histogram.GetValueAtPercentile(percentile) / 1000.0;
        }
    }
}
