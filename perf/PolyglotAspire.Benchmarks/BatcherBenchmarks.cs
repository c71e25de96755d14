using System.Diagnostics;
using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using PolyglotAspire.SyncWorker;
using PolyglotAspire.SyncWorker.Pipeline;
using PolyglotAspire.SyncWorker.Telemetry;

namespace PolyglotAspire.Benchmarks;

/// <summary>
/// The batcher as the worker runs it (<see cref="Batcher.RunAsync"/>), per event: blocks of 1,024 consumed messages
/// go in through its bounded channel, every message is transcoded into the current batch, a batch is sealed at
/// <see cref="BatchRows"/> rows and handed over its channel to a committer stand-in that recycles it at once (no
/// insert). The two batch sizes show what sealing costs: at 1,000 rows a batch is sealed every 1,000 events
/// (hand-off, a pooled batch rented, the full one reset with its chunks back in the pool), at 100,000 (the default)
/// every 100,000. Channel capacities and pools are the worker's defaults.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory(Categories.ZeroAllocation)]
public class BatcherBenchmarks : IDisposable
{
    private const int BlockMessages = 1024;
    private const int Partitions = 4;

    /// <summary>A multiple of every <see cref="BatchRows"/>: each invocation ends on a sealed batch, so no age timer is left running.</summary>
    private const int EventsPerInvoke = 100_000;

    private static readonly int BlocksPerInvoke = (EventsPerInvoke + BlockMessages - 1) / BlockMessages;

    private readonly SyncWorkerOptions _defaults = new();
    private readonly ManualResetEventSlim _allSealed = new();
    private readonly CancellationTokenSource _stop = new();
    private RawBlockPool _blocks = null!;
    private OrderBatchPool _batches = null!;
    private Channel<RawBlock> _input = null!;
    private OwnershipSnapshot _ownership = null!;
    private RawRef[] _values = null!;
    private Task _batcher = null!;
    private Task _committer = null!;
    private long _rowsSealed;
    private long _rowsExpected;
    private long _offset;

    [Params(1_000, 100_000)]
    public int BatchRows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var envelopes = BenchmarkEnvelopes.Create(BlockMessages);
        var ownership = new PartitionOwnership();
        ownership.Assign(Enumerable.Range(0, Partitions));
        _ownership = ownership.Current;

        // Every block holds the same envelopes at the same arena positions, copied once here. A block's arena outlives
        // its reset, so an invocation only re-adds the entries (what the consume loop's copy costs is not the batcher's).
        // The pool keeps every block, so a rented block is always one of these.
        _blocks = new RawBlockPool(1 << 20, BlockMessages, maxPooled: BlocksPerInvoke + _defaults.ChannelCapacity);
        var filled = Enumerable.Range(0, BlocksPerInvoke).Select(_ => _blocks.Rent()).ToList();
        foreach (var block in filled)
        {
            _values = envelopes.Select(e => block.Append(e)).ToArray(); // the same positions in every block: each arena starts empty
        }

        filled.ForEach(_blocks.Return);

        _batches = new OrderBatchPool(chunkSize: 1 << 20, _defaults.MaxTraceLinksPerBatch);
        _input = Bounded<RawBlock>(_defaults.ChannelCapacity);
        var output = Bounded<OrderBatch>(_defaults.PendingBatches);
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        var batcher = new Batcher(_input.Reader, output.Writer, new CommitterDemand(), _blocks, _batches,
            new BatchLimits(BatchRows, _defaults.BatchMaxBytes, TimeSpan.FromHours(1), TimeSpan.FromHours(1), TimeSpan.FromHours(1)), new NoDeadLetters(),
            new PipelineStatus(), TimeProvider.System, new SyncMetrics(meters, TimeProvider.System), NullLogger.Instance);
        _batcher = batcher.RunAsync(_stop.Token);
        _committer = Task.Run(() => RecycleAsync(output.Reader));
    }

    [Benchmark(Description = "batcher stage per event: block in → transcode → seal → batch out", OperationsPerInvoke = EventsPerInvoke)]
    public async Task Stage()
    {
        Volatile.Write(ref _rowsExpected, _rowsExpected + EventsPerInvoke);
        var timestamp = Stopwatch.GetTimestamp();
        for (int block = 0, left = EventsPerInvoke; block < BlocksPerInvoke; block++, left -= BlockMessages)
        {
            var next = _blocks.Rent();
            next.Ownership = _ownership;
            for (var i = 0; i < Math.Min(left, BlockMessages); i++)
            {
                next.Add(i % Partitions, _offset++, RawRef.Null, _values[i], timestamp);
            }

            await _input.Writer.WriteAsync(next);
        }

        if (!_allSealed.Wait(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException("The batcher did not seal every batch: did it fail?", _batcher.Exception);
        }

        _allSealed.Reset();
    }

    /// <summary>A channel between two stages, as the worker makes them (SyncPipeline).</summary>
    private static Channel<T> Bounded<T>(int capacity) => Channel.CreateBounded<T>(new BoundedChannelOptions(capacity)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
        SingleWriter = true,
    });

    /// <summary>The committer's part without the insert: take each sealed batch and return it to the pool (which resets it).</summary>
    private async Task RecycleAsync(ChannelReader<OrderBatch> sealedBatches)
    {
        while (await sealedBatches.WaitToReadAsync(_stop.Token))
        {
            while (sealedBatches.TryRead(out var batch))
            {
                _rowsSealed += batch.RowCount;
                _batches.Return(batch);
                if (_rowsSealed >= Volatile.Read(ref _rowsExpected))
                {
                    _allSealed.Set();
                }
            }
        }
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _input?.Writer.TryComplete();
        _batcher?.GetAwaiter().GetResult();
        _stop.Cancel();
        try
        {
            _committer?.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            // The stand-in stops by cancellation.
        }

        _batches?.Dispose();
        _stop.Dispose();
        _allSealed.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Every benchmark envelope is valid: a dead letter here would be a bug.</summary>
    private sealed class NoDeadLetters : IDeadLetterPublisher
    {
        public Task PublishAsync(DeadLetter letter) => throw new InvalidOperationException($"Unexpected dead letter: {letter.Error}");
    }
}
