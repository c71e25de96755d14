using System.Collections.Concurrent;

namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>Recycles <see cref="RawBlock"/>s between the consume loop and the batcher.</summary>
internal sealed class RawBlockPool(int arenaBytes, int maxEntries, int maxPooled)
{
    private readonly ConcurrentQueue<RawBlock> _free = new();

    public int ArenaBytes { get; } = arenaBytes;

    public RawBlock Rent() => _free.TryDequeue(out var block) ? block : new RawBlock(ArenaBytes, maxEntries);

    public void Return(RawBlock block)
    {
        block.Reset();
        if (_free.Count < maxPooled)
        {
            _free.Enqueue(block);
        }
        else
        {
            block.Release();
        }
    }
}
