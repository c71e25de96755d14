using PolyglotAspire.Contracts;
using PolyglotAspire.SyncWorker.Encoding;
using PolyglotAspire.SyncWorker.Pipeline;
using PolyglotAspire.Testing;

namespace PolyglotAspire.SyncWorker.UnitTests;

/// <summary>
/// The decode stage's claim, checked exactly: transcoding a message and keeping a batch's books allocate nothing
/// per event (TranscodeBenchmarks and BatcherBenchmarks time the same code; perf/check-allocations.sh checks them).
/// </summary>
public sealed class AllocationTests
{
    private const int Events = 10_000;

    /// <summary>Orders of every type plus heartbeats, as a partition carries them.</summary>
    private static readonly byte[][] Messages = CreateMessages();

    private static byte[][] CreateMessages()
    {
        var random = new Random(5);
        OrderEventType[] types = [OrderEventType.Created, OrderEventType.StatusChanged, OrderEventType.Deleted];
        return Enumerable.Range(0, 1000)
            .Select(i => Envelopes.Bytes(i % 50 == 0 ? Envelopes.Heartbeat((ulong)i, 1_780_000_000_000 + i) : Envelopes.Random(random, types[i % 3])))
            .ToArray();
    }

    [Fact]
    public void Transcoding_an_envelope_allocates_nothing()
    {
        var row = new byte[EnvelopeTranscoder.MaxRowLength(Messages.Max(m => m.Length))];
        var orders = 0;

        var allocated = Allocations.Measure(Events, i =>
        {
            EnvelopeTranscoder.Transcode(Messages[i % Messages.Length], row, out var info);
            orders += info.Kind == EnvelopeKind.Order ? 1 : 0;
        });

        Assert.True(orders > Events, "the measured messages were transcoded as orders");
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Appending_events_to_batches_and_recycling_them_allocates_nothing()
    {
        var ownership = new PartitionOwnership();
        ownership.Assign([0, 1, 2, 3]);
        var block = new RawBlock(1 << 20, Messages.Length) { Ownership = ownership.Current };
        for (var i = 0; i < Messages.Length; i++)
        {
            block.Add(i % 4, i, RawRef.Null, block.Append(Messages[i]), 0);
        }

        using var pool = new OrderBatchPool(chunkSize: 1 << 20, maxLinks: 128);
        var batch = pool.Rent();
        var invalid = 0;

        // Every 1,000 events the batch is sealed and recycled, as the committer returns it: reset, chunks back to the pool.
        var allocated = Allocations.Measure(Events, i =>
        {
            invalid += Batcher.Apply(batch, block, in block.Entry(i % Messages.Length), out _) == EnvelopeKind.Invalid ? 1 : 0;
            if (batch.RowCount == 1000)
            {
                pool.Return(batch);
                batch = pool.Rent();
            }
        });

        pool.Return(batch);
        block.Release();
        Assert.Equal(0, invalid);
        Assert.Equal(0, allocated);
    }
}
