namespace PolyglotAspire.Testing;

/// <summary>
/// What a piece of code allocates on the calling thread. Allocation counts are deterministic, unlike timings, so a
/// unit test can assert a zero-allocation claim exactly. Call it from a synchronous test: an await could move the
/// work to another thread, whose allocations this thread's counter does not see.
/// </summary>
internal static class Allocations
{
    /// <summary>
    /// Runs <paramref name="action"/> <paramref name="times"/> times to warm up (JIT, static caches, pools filled),
    /// then <paramref name="times"/> times more, and returns the bytes those measured runs allocated.
    /// </summary>
    public static long Measure(int times, Action<int> action)
    {
        for (var i = 0; i < times; i++)
        {
            action(i);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < times; i++)
        {
            action(i);
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
