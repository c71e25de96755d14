namespace ClickHouse.Emulator.ChDb;

/// <summary>
/// A streaming INSERT: the data arrives in chunks, is parsed by the engine as it comes, and is
/// committed by <see cref="Complete"/>. Disposing without completing cancels it (nothing is committed
/// beyond what ClickHouse had already flushed, as with an aborted HTTP insert).
/// </summary>
internal sealed unsafe class ChDbInsertStream : IDisposable
{
    private IntPtr stream;

    public ChDbInsertStream(IntPtr stream)
    {
        this.stream = stream;
    }

    /// <summary>Pushes one chunk; chDB copies it, so the buffer can be reused once this returns.</summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        var s = Handle;
        fixed (byte* p = data)
        {
            if (ChDbNative.StreamAppend(s, p, (nuint)data.Length) != 0)
            {
                throw new ChDbException(ChDbNative.ReadString(ChDbNative.StreamInsertError(s))
                    ?? "Code: 1002. DB::Exception: chdb_stream_append failed. (UNKNOWN_EXCEPTION)");
            }
        }
    }

    /// <summary>Ends the input and commits; returns the write counters.</summary>
    public ChDbStats Complete()
    {
        var s = Handle;
        using var result = new ChDbResult(ChDbNative.StreamDone(s));
        result.ThrowIfError();
        return result.Stats;
    }

    public void Dispose()
    {
        var s = Interlocked.Exchange(ref stream, IntPtr.Zero);
        if (s == IntPtr.Zero)
        {
            return;
        }

        // chdb_destroy_insert_stream cancels an unfinished insert before freeing it.
        ChDbNative.DestroyInsertStream(s);
    }

    private IntPtr Handle => stream != IntPtr.Zero ? stream : throw new ObjectDisposedException(nameof(ChDbInsertStream));
}
