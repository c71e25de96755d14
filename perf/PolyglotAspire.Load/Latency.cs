using System.Diagnostics;
using HdrHistogram;

namespace PolyglotAspire.Load;

/// <summary>A latency distribution (HdrHistogram, microsecond resolution, 3 significant digits, up to 10 min); safe to record from many threads.</summary>
internal sealed class Latency
{
    private readonly LongConcurrentHistogram _histogram = new(1, (long)TimeSpan.FromMinutes(10).TotalMicroseconds, 3);

    public long Count => _histogram.TotalCount;

    public void Record(TimeSpan elapsed) => RecordMicroseconds((long)elapsed.TotalMicroseconds);

    /// <summary>Records the time between two <see cref="Stopwatch"/> timestamps.</summary>
    public void Record(long startTimestamp, long endTimestamp) => Record(Stopwatch.GetElapsedTime(startTimestamp, endTimestamp));

    public void RecordMicroseconds(long microseconds) =>
        _histogram.RecordValue(Math.Clamp(microseconds, 1, _histogram.HighestTrackableValue));

    /// <summary>Runs <paramref name="action"/> and records how long it took.</summary>
    public async Task<T> TimeAsync<T>(Func<Task<T>> action)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await action();
        Record(Stopwatch.GetElapsedTime(started));
        return result;
    }

    /// <summary>The latency at <paramref name="percentile"/> (0–100), in milliseconds; NaN when nothing was recorded.</summary>
    public double Ms(double percentile) => Count == 0 ? double.NaN : _histogram.GetValueAtPercentile(percentile) / 1000.0;

    /// <summary>The largest latency recorded, in milliseconds; NaN when nothing was recorded.</summary>
    public double MaxMs => Count == 0 ? double.NaN : _histogram.GetMaxValue() / 1000.0;
}
