using System.Buffers;
using System.Text;

namespace ClickHouse.Emulator.ChDb;

/// <summary>
/// One native chDB connection (a ClickHouse session on the process-wide engine). A connection runs
/// one statement at a time and is not thread-safe: <see cref="ChDbEngine"/> leases it to one request
/// at a time. Query text is passed as UTF-8 bytes with explicit lengths (the binary-safe <c>_n</c>
/// entry points), parameters as <c>{name:Type}</c> bindings that the engine parses itself.
/// </summary>
internal sealed unsafe class ChDbConnection : IDisposable
{
    private IntPtr connectionRef; // chdb_connection*, what chdb_close_conn wants
    private readonly IntPtr connection; // chdb_connection, what every call wants

    private ChDbConnection(IntPtr connectionRef)
    {
        this.connectionRef = connectionRef;
        connection = *(IntPtr*)connectionRef;
    }

    /// <summary>The profile (database + settings) this session was prepared with.</summary>
    public string ProfileKey { get; init; } = string.Empty;

    /// <summary>
    /// Opens a connection on <paramref name="dataPath"/>. The first connection boots the engine; later
    /// ones join it (chDB 26.7 allows several connections to the one path, each with its own settings).
    /// </summary>
    public static ChDbConnection Open(string dataPath, string profileKey = "")
    {
        // argv[0] is a program name, as in main(); the engine reads the options after it.
        string[] args = ["clickhouse", "--path=" + dataPath];
        var block = Encoding.UTF8.GetBytes(string.Join('\0', args) + '\0');
        fixed (byte* p = block)
        {
            var argv = stackalloc byte*[args.Length];
            var offset = 0;
            for (var i = 0; i < args.Length; i++)
            {
                argv[i] = p + offset;
                offset += Array.IndexOf(block, (byte)0, offset) - offset + 1;
            }

            var conn = ChDbNative.Connect(args.Length, argv);
            if (conn == IntPtr.Zero || *(IntPtr*)conn == IntPtr.Zero)
            {
                throw new ChDbException($"chdb_connect failed for data path '{dataPath}'");
            }

            return new ChDbConnection(conn) { ProfileKey = profileKey };
        }
    }

    /// <summary>Runs a statement to completion; the whole output is in the returned result.</summary>
    public ChDbResult Query(ReadOnlySpan<byte> sql, string format, IReadOnlyList<KeyValuePair<string, string>>? parameters = null) =>
        new(Call(&ChDbNative.QueryWithParams, sql, format, parameters));

    /// <summary>Runs a statement whose error, if any, is the only interesting outcome.</summary>
    public void Execute(string sql)
    {
        using var result = Query(Encoding.UTF8.GetBytes(sql), "TabSeparated");
        result.ThrowIfError();
    }

    /// <summary>
    /// Starts a SELECT whose output is pulled in chunks (about 512 KiB each) with
    /// <see cref="ChDbStreamingQuery.Fetch"/>, so large results never sit whole in memory.
    /// </summary>
    public ChDbStreamingQuery StreamQuery(ReadOnlySpan<byte> sql, string format, IReadOnlyList<KeyValuePair<string, string>>? parameters = null)
    {
        var result = new ChDbResult(Call(&ChDbNative.StreamQueryWithParams, sql, format, parameters));
        if (result.Error is not null)
        {
            var error = result.Error;
            result.Dispose();
            throw new ChDbException(error);
        }

        return new ChDbStreamingQuery(connection, result);
    }

    /// <summary>
    /// Starts an INSERT whose data is pushed with <see cref="ChDbInsertStream.Append"/>.
    /// <paramref name="insertSql"/> must not contain the FORMAT clause or data: chDB appends the format itself.
    /// </summary>
    public ChDbInsertStream BeginInsert(ReadOnlySpan<byte> insertSql, string format, IReadOnlyList<KeyValuePair<string, string>>? parameters = null)
    {
        var stream = Call(&ChDbNative.StreamInsertWithParams, insertSql, format, parameters);
        if (stream == IntPtr.Zero)
        {
            throw new ChDbException("chdb_stream_insert returned no handle");
        }

        var error = ChDbNative.ReadString(ChDbNative.StreamInsertError(stream));
        if (error is not null)
        {
            ChDbNative.DestroyInsertStream(stream);
            throw new ChDbException(error);
        }

        return new ChDbInsertStream(stream);
    }

    public void Dispose()
    {
        var conn = Interlocked.Exchange(ref connectionRef, IntPtr.Zero);
        if (conn != IntPtr.Zero)
        {
            ChDbNative.CloseConnection(conn);
        }
    }

    /// <summary>
    /// Marshals query, format and parameters into one pinned, pooled buffer and calls one of the
    /// three <c>*_with_params_n</c> entry points, which share a signature.
    /// </summary>
    private IntPtr Call(
        delegate*<IntPtr, byte*, nuint, byte*, nuint, byte**, nuint*, byte**, nuint*, nuint, IntPtr> entryPoint,
        ReadOnlySpan<byte> sql,
        string format,
        IReadOnlyList<KeyValuePair<string, string>>? parameters)
    {
        ObjectDisposedException.ThrowIf(connectionRef == IntPtr.Zero, this);

        var count = parameters?.Count ?? 0;
        var size = Encoding.UTF8.GetByteCount(format);
        for (var i = 0; i < count; i++)
        {
            size += Encoding.UTF8.GetByteCount(parameters![i].Key) + Encoding.UTF8.GetByteCount(parameters[i].Value);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(size, 1));
        var pointers = count == 0 ? [] : new IntPtr[count * 2];
        var lengths = count == 0 ? [] : new nuint[count * 2];
        try
        {
            fixed (byte* sqlPtr = sql)
            fixed (byte* basePtr = buffer)
            fixed (IntPtr* ptrs = pointers)
            fixed (nuint* lens = lengths)
            {
                var span = buffer.AsSpan();
                var offset = Encoding.UTF8.GetBytes(format, span);
                var formatLength = offset;
                for (var i = 0; i < count; i++)
                {
                    var (name, value) = parameters![i];
                    var n = Encoding.UTF8.GetBytes(name, span[offset..]);
                    ptrs[i] = (IntPtr)(basePtr + offset);
                    lens[i] = (nuint)n;
                    offset += n;
                    var v = Encoding.UTF8.GetBytes(value, span[offset..]);
                    ptrs[count + i] = (IntPtr)(basePtr + offset);
                    lens[count + i] = (nuint)v;
                    offset += v;
                }

                return entryPoint(
                    connection,
                    sqlPtr,
                    (nuint)sql.Length,
                    basePtr,
                    (nuint)formatLength,
                    count == 0 ? null : (byte**)ptrs,
                    count == 0 ? null : lens,
                    count == 0 ? null : (byte**)(ptrs + count),
                    count == 0 ? null : lens + count,
                    (nuint)count);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
