using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using PolyglotAspire.SyncWorker.ClickHouse;
using PolyglotAspire.SyncWorker.Pipeline;
using PolyglotAspire.SyncWorker.Telemetry;

namespace PolyglotAspire.SyncWorker.UnitTests;

/// <summary>Fakes for the pure logic: they record what the pipeline asked, in order.</summary>
internal static class Doubles
{
    private static readonly IMeterFactory Meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();

    public static SyncMetrics Metrics(TimeProvider? time = null) => new(Meters, time ?? TimeProvider.System);

    public static RetryPolicy FastRetry(SyncMetrics metrics, PipelineStatus? status = null) =>
        new(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(5), TimeProvider.System, metrics, status ?? new PipelineStatus(), NullLogger.Instance);
}

internal sealed class FakeDeadLetters : IDeadLetterPublisher
{
    public ConcurrentQueue<DeadLetter> Published { get; } = new();

    /// <summary>What the next publishes return (default: acknowledged at once).</summary>
    public Func<DeadLetter, Task> Outcome { get; set; } = _ => Task.CompletedTask;

    public Task PublishAsync(DeadLetter letter)
    {
        Published.Enqueue(letter);
        return Outcome(letter);
    }
}

internal sealed class FakeSink : IClickHouseSink
{
    public List<string> Calls { get; } = [];

    public List<string> Tokens { get; } = [];

    public List<SyncStateRow> StateRows { get; } = [];

    public Dictionary<int, StoredWatermark> Stored { get; } = [];

    /// <summary>Inserts fail while this is above zero (counting down); -1: fail forever.</summary>
    public int FailInserts { get; set; }

    public Task InsertOrdersAsync(RowBinaryBuffer rows, string token, CancellationToken cancellationToken)
    {
        lock (Calls)
        {
            Tokens.Add(token);
            if (FailInserts != 0)
            {
                FailInserts = FailInserts > 0 ? FailInserts - 1 : -1;
                Calls.Add("insert orders failed");
                throw new HttpRequestException("ClickHouse unavailable");
            }

            Calls.Add($"insert orders {rows.Length} bytes");
        }

        return Task.CompletedTask;
    }

    public Task InsertSyncStateAsync(IReadOnlyList<SyncStateRow> rows, CancellationToken cancellationToken)
    {
        lock (Calls)
        {
            StateRows.AddRange(rows);
            Calls.Add("sync_state " + string.Join(",", rows.Select(r => $"p{r.Partition}={r.NextOffset}")));
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyDictionary<int, StoredWatermark>> ReadSyncStateAsync(string topic, CancellationToken cancellationToken)
    {
        lock (Calls)
        {
            Calls.Add("read sync_state");
            return Task.FromResult<IReadOnlyDictionary<int, StoredWatermark>>(new Dictionary<int, StoredWatermark>(Stored));
        }
    }
}

internal sealed class FakeOffsets(List<string> calls) : IOffsetCommitter
{
    public int FailNext { get; set; }

    public void Commit(IReadOnlyList<TopicPartitionOffset> offsets)
    {
        lock (calls)
        {
            if (FailNext > 0)
            {
                FailNext--;
                calls.Add("commit failed");
                throw new KafkaException(ErrorCode.RebalanceInProgress);
            }

            calls.Add("commit " + string.Join(",", offsets.OrderBy(o => o.Partition.Value).Select(o => $"p{o.Partition.Value}@{o.Offset.Value}")));
        }
    }
}

/// <summary>Builds blocks the way the consume loop does (arena copy, ownership snapshot, consumption timestamp).</summary>
internal sealed class BlockFactory(RawBlockPool pool, PartitionOwnership ownership, TimeProvider time)
{
    public RawBlock Block(IEnumerable<(int Partition, long Offset, byte[]? Value)> messages)
    {
        var block = pool.Rent();
        block.Ownership = ownership.Current;
        foreach (var (partition, offset, value) in messages)
        {
            var v = value is null ? RawRef.Null : block.Append(value);
            block.Add(partition, offset, block.Append([(byte)partition]), v, time.GetTimestamp());
        }

        return block;
    }
}

/// <summary>A sink whose inserts complete only when the test says so, in any order.</summary>
internal sealed class GatedSink(FakeSink inner) : IClickHouseSink
{
    public System.Collections.Concurrent.ConcurrentQueue<(string Token, TaskCompletionSource Gate)> Inserts { get; } = new();

    public async Task InsertOrdersAsync(RowBinaryBuffer rows, string token, CancellationToken cancellationToken)
    {
        var gate = new TaskCompletionSource(); // synchronous continuations: see StepByStep
        Inserts.Enqueue((token, gate));
        await gate.Task.WaitAsync(cancellationToken);
        await inner.InsertOrdersAsync(rows, token, cancellationToken);
    }

    public Task InsertSyncStateAsync(IReadOnlyList<SyncStateRow> rows, CancellationToken cancellationToken) => inner.InsertSyncStateAsync(rows, cancellationToken);

    public Task<IReadOnlyDictionary<int, StoredWatermark>> ReadSyncStateAsync(string topic, CancellationToken cancellationToken) => inner.ReadSyncStateAsync(topic, cancellationToken);
}

/// <summary>
/// A Kafka producer that keeps what it is given and, like a broker with <c>message.max.bytes</c>, refuses any value
/// larger than <see cref="MaxValueBytes"/> with <c>MsgSizeTooLarge</c>. Only <c>ProduceAsync(topic, …)</c> is served.
/// </summary>
#pragma warning disable CA1852 // DispatchProxy derives the proxy type from it: it must not be sealed.
internal class SizeLimitedProducer : System.Reflection.DispatchProxy
#pragma warning restore CA1852
{
    public int MaxValueBytes { get; set; } = int.MaxValue;

    public System.Collections.Concurrent.ConcurrentQueue<byte[]> Accepted { get; } = new();

    public int Refused;

    public static (IProducer<byte[]?, byte[]> Producer, SizeLimitedProducer State) Create(int maxValueBytes)
    {
        var producer = Create<IProducer<byte[]?, byte[]>, SizeLimitedProducer>();
        var state = (SizeLimitedProducer)(object)producer;
        state.MaxValueBytes = maxValueBytes;
        return (producer, state);
    }

    protected override object? Invoke(System.Reflection.MethodInfo? targetMethod, object?[]? args)
    {
        if (targetMethod?.Name != nameof(IProducer<byte[], byte[]>.ProduceAsync) || args?[0] is not string topic)
        {
            throw new NotSupportedException(targetMethod?.Name);
        }

        var message = (Message<byte[]?, byte[]>)args[1]!;
        if (message.Value.Length > MaxValueBytes)
        {
            Interlocked.Increment(ref Refused);
            return Task.FromException<DeliveryResult<byte[]?, byte[]>>(new ProduceException<byte[]?, byte[]>(
                new Error(ErrorCode.MsgSizeTooLarge), new DeliveryResult<byte[]?, byte[]> { Topic = topic, Message = message }));
        }

        Accepted.Enqueue(message.Value);
        return Task.FromResult(new DeliveryResult<byte[]?, byte[]> { Topic = topic, Message = message, Status = PersistenceStatus.Persisted });
    }
}
