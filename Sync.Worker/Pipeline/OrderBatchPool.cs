using System.Collections.Concurrent;

namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>Recycles <see cref="OrderBatch"/>es (their chunked buffers) between the batcher and the committer.</summary>
internal sealed class OrderBatchPool(int chunkSize, int maxLinks) : IDisposable
{
    private readonly ConcurrentQueue<OrderBatch> _free = new();

    public OrderBatch Rent() => _free.TryDequeue(out var batch) ? batch : new OrderBatch(chunkSize, maxLinks);

    public void Return(OrderBatch batch)
    {
        batch.Reset();
        _free.Enqueue(batch);
    }

    public void Dispose()
    {
        while (_free.TryDequeue(out var batch))
        {
            batch.Dispose();
        }
    }
}
