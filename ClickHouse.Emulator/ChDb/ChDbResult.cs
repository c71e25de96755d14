using System.Buffers;

namespace ClickHouse.Emulator.ChDb;

/// <summary>
/// Owns one native <c>chdb_result</c>. It is also a <see cref="MemoryManager{T}"/> over the engine's
/// own output buffer, so the HTTP layer can write that buffer to the socket without copying it into
/// managed memory first. Disposing frees the native result; the memory is invalid afterwards.
/// </summary>
internal sealed unsafe class ChDbResult : MemoryManager<byte>
{
    private IntPtr handle;

    public ChDbResult(IntPtr handle)
    {
        if (handle == IntPtr.Zero)
        {
            throw new ChDbException("chDB returned no result (out of memory or closed connection)");
        }

        this.handle = handle;
        Error = ChDbNative.ReadString(ChDbNative.ResultError(handle));
    }

    /// <summary>The engine's error text (<c>Code: N. DB::Exception: …</c>), or null on success.</summary>
    public string? Error { get; }

    public int Length => checked((int)ChDbNative.ResultLength(Handle));

    public ChDbStats Stats => new(
        ReadRows: ChDbNative.ResultStorageRowsRead(Handle),
        ReadBytes: ChDbNative.ResultStorageBytesRead(Handle),
        WrittenRows: ChDbNative.ResultRowsWritten(Handle),
        WrittenBytes: ChDbNative.ResultBytesWritten(Handle),
        ResultRows: ChDbNative.ResultRowsRead(Handle),
        ResultBytes: ChDbNative.ResultBytesRead(Handle),
        Elapsed: TimeSpan.FromSeconds(ChDbNative.ResultElapsed(Handle)));

    internal IntPtr Handle => handle != IntPtr.Zero ? handle : throw new ObjectDisposedException(nameof(ChDbResult));

    /// <summary>Throws the engine error as a <see cref="ChDbException"/>, if there is one.</summary>
    public ChDbResult ThrowIfError() => Error is null ? this : throw new ChDbException(Error);

    public override Span<byte> GetSpan()
    {
        var length = Length;
        return length == 0 ? [] : new Span<byte>(ChDbNative.ResultBuffer(Handle), length);
    }

    // The native buffer never moves, so pinning is a no-op that only hands out the address.
    public override MemoryHandle Pin(int elementIndex = 0) =>
        new(ChDbNative.ResultBuffer(Handle) + elementIndex);

    public override void Unpin()
    {
    }

    /// <summary>Frees the native result (MemoryManager only exposes IDisposable explicitly).</summary>
    public void Dispose() => ((IDisposable)this).Dispose();

    protected override void Dispose(bool disposing)
    {
        var h = Interlocked.Exchange(ref handle, IntPtr.Zero);
        if (h != IntPtr.Zero)
        {
            ChDbNative.DestroyResult(h);
        }
    }
}

/// <summary>Engine counters of one query, in the units of ClickHouse's <c>X-ClickHouse-Summary</c>.</summary>
internal readonly record struct ChDbStats(
    ulong ReadRows,
    ulong ReadBytes,
    ulong WrittenRows,
    ulong WrittenBytes,
    ulong ResultRows,
    ulong ResultBytes,
    TimeSpan Elapsed)
{
    public static ChDbStats operator +(ChDbStats a, ChDbStats b) => new(
        a.ReadRows + b.ReadRows,
        a.ReadBytes + b.ReadBytes,
        a.WrittenRows + b.WrittenRows,
        a.WrittenBytes + b.WrittenBytes,
        a.ResultRows + b.ResultRows,
        a.ResultBytes + b.ResultBytes,
        a.Elapsed + b.Elapsed);

    public ChDbStats Add(ChDbStats other) => this + other;
}
