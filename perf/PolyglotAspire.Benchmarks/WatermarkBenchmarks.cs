using BenchmarkDotNet.Attributes;
using PolyglotAspire.Analytics.Freshness;
using PolyglotAspire.Contracts;
using PolyglotAspire.SyncWorker.Pipeline;

namespace PolyglotAspire.Benchmarks;

/// <summary>
/// Consistency tokens and watermarks, where each runs. Per event in the worker: a partition's watermark moved by
/// one event (<see cref="PartitionSlice.ObserveEvent"/>, inside every <c>Batcher.Apply</c>). Per read in
/// Analytics.Api: the request's token parsed and compared with the watermark, the partitions' watermarks combined
/// (<see cref="FreshnessSnapshot.Combine"/>) and the lag computed (<see cref="FreshnessSnapshot.Lag"/>) — the pure
/// part of freshness; <c>FreshnessMonitor</c> around it reads <c>sync_state</c> and PostgreSQL's clock (I/O, not
/// benchmarked here). Per write in Orders.Api: the token formatted for the answer.
/// </summary>
[MemoryDiagnoser]
public class WatermarkBenchmarks
{
    private const int Events = 1024;

    private readonly ulong[] _lsns = new ulong[Events];
    private readonly long[] _commitTimes = new long[Events];
    private readonly ConsistencyToken[] _tokens = new ConsistencyToken[Events];
    private readonly ConsistencyToken _watermark = new(0x16_B374_D848);
    private readonly string _text = new ConsistencyToken(0x16_B374_D848).ToString();
    private readonly DateTimeOffset _sourceNow = DateTimeOffset.FromUnixTimeMilliseconds(1_795_600_000_000);
    private List<PartitionWatermark> _partitions = null!; // a List, as FreshnessMonitor reads them

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        for (var i = 0; i < Events; i++)
        {
            _lsns[i] = 0x16_B374_D848UL + (ulong)i * 120 + (ulong)random.Next(0, 200); // mostly rising, as a partition is
            _commitTimes[i] = 1_795_600_000_000 + i;
            _tokens[i] = new ConsistencyToken(_watermark.Lsn - 60_000 + (ulong)random.Next(0, 120_000));
        }

        _partitions = Enumerable.Range(0, 4)
            .Select(p => new PartitionWatermark(p, new ConsistencyToken(_watermark.Lsn + (ulong)p * 100), _sourceNow.AddMilliseconds(-50 - p)))
            .ToList();
    }

    [Benchmark(Description = "worker: watermark moved by one event (PartitionSlice.ObserveEvent)", OperationsPerInvoke = Events)]
    [BenchmarkCategory(Categories.ZeroAllocation)]
    public ulong ObserveEvent()
    {
        var slice = new PartitionSlice { AsOfMs = long.MinValue };
        for (var i = 0; i < Events; i++)
        {
            slice.ObserveEvent(_lsns[i], _commitTimes[i]);
        }

        return slice.Lsn;
    }

    [Benchmark(Description = "read: parse a request's token (ConsistencyToken.TryParse)")]
    public ulong ParseToken() => ConsistencyToken.TryParse(_text, out var token) ? token.Lsn : 0;

    [Benchmark(Description = "read: token ≤ watermark?", OperationsPerInvoke = Events)]
    public int CompareToken()
    {
        var visible = 0;
        foreach (var token in _tokens)
        {
            visible += token <= _watermark ? 1 : 0;
        }

        return visible;
    }

    [Benchmark(Description = "read: combine 4 partitions' watermarks (FreshnessSnapshot.Combine)")]
    public ConsistencyToken Combine() => FreshnessSnapshot.Combine(_partitions).Watermark;

    [Benchmark(Description = "read: lag from as-of and the source clock (FreshnessSnapshot.Lag)")]
    public long? Lag() => FreshnessSnapshot.Lag(_partitions[0].AsOf, _sourceNow, _sourceNow.AddMilliseconds(-10)).LagMs;

    [Benchmark(Description = "write: format a token for the answer (ConsistencyToken.ToString)")]
    public string FormatToken() => _watermark.ToString();
}
