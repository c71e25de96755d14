using PolyglotAspire.SyncWorker.ClickHouse;

namespace PolyglotAspire.SyncWorker.Backfill;

/// <summary>One insert's worth of snapshot rows: <c>orders</c> RowBinary and the matching <c>backfill_snapshot</c> keys.</summary>
internal sealed class BackfillBatch : IDisposable
{
    public RowBinaryBuffer Orders { get; } = new();

    public RowBinaryBuffer Keys { get; } = new();

    public int Rows { get; set; }

    /// <summary>Its place in the copy: part of its deduplication token.</summary>
    public int Number { get; set; }

    public void Reset()
    {
        Orders.Reset();
        Keys.Reset();
        Rows = 0;
    }

    public void Dispose()
    {
        Orders.Dispose();
        Keys.Dispose();
    }
}
