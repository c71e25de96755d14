namespace PolyglotAspire.Benchmarks;

/// <summary>Benchmark categories that scripts select by name.</summary>
internal static class Categories
{
    /// <summary>
    /// The per-event hot path that claims 0 B allocated per operation: <c>perf/check-allocations.sh</c> runs exactly
    /// these and fails if any allocates.
    /// </summary>
    public const string ZeroAllocation = "zero-alloc";
}
