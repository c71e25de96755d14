namespace ClickHouse.Emulator.ChDb;

/// <summary>
/// A running streaming SELECT. Chunks must be fetched by one caller at a time (chDB's rule for a
/// connection); disposing before the end cancels the query so the connection can be reused.
/// </summary>
internal sealed class ChDbStreamingQuery : IDisposable
{
    private readonly IntPtr connection;
    private ChDbResult? handle;
    private bool finished;

    public ChDbStreamingQuery(IntPtr connection, ChDbResult handle)
    {
        this.connection = connection;
        this.handle = handle;
    }

    /// <summary>
    /// Next chunk of formatted output, or null at the end. An error, including one raised midway
    /// through the result, is thrown as <see cref="ChDbException"/>.
    /// </summary>
    public ChDbResult? Fetch()
    {
        var stream = handle ?? throw new ObjectDisposedException(nameof(ChDbStreamingQuery));
        if (finished)
        {
            return null;
        }

        var chunk = new ChDbResult(ChDbNative.StreamFetch(connection, stream.Handle));
        if (chunk.Error is { } error)
        {
            chunk.Dispose();
            finished = true;
            throw new ChDbException(error);
        }

        if (chunk.Length == 0)
        {
            chunk.Dispose();
            finished = true;
            return null;
        }

        return chunk;
    }

    public void Dispose()
    {
        var stream = Interlocked.Exchange(ref handle, null);
        if (stream is null)
        {
            return;
        }

        if (!finished)
        {
            ChDbNative.StreamCancel(connection, stream.Handle);
        }

        stream.Dispose();
    }
}
