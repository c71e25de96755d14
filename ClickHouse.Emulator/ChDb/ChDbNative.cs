using System.Reflection;
using System.Runtime.InteropServices;

namespace ClickHouse.Emulator.ChDb;

/// <summary>
/// The part of chDB's C API (chdb.h, libchdb 26.7) the emulator uses. Every function returning a
/// result or stream handle hands over ownership: the caller must destroy it.
/// </summary>
internal static unsafe partial class ChDbNative
{
    /// <summary>Logical library name; <see cref="UseLibrary"/> maps it to the configured file.</summary>
    private const string Library = "chdb";

    private static string? libraryPath;

    /// <summary>
    /// Routes the <c>chdb</c> imports to <paramref name="path"/>. The resolver can be installed once per
    /// assembly and chDB is process-global anyway, so a second, different path is refused.
    /// </summary>
    public static void UseLibrary(string path)
    {
        var previous = Interlocked.CompareExchange(ref libraryPath, path, null);
        if (previous is null)
        {
            NativeLibrary.SetDllImportResolver(typeof(ChDbNative).Assembly, Resolve);
        }
        else if (!string.Equals(previous, path, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"chDB is already loaded from '{previous}'; one engine per process.");
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name == Library && libraryPath is not null ? NativeLibrary.Load(libraryPath) : IntPtr.Zero;

    [LibraryImport(Library, EntryPoint = "chdb_version")]
    public static partial byte* Version();

    [LibraryImport(Library, EntryPoint = "chdb_set_signal_handlers_enabled")]
    public static partial void SetSignalHandlersEnabled(int enabled);

    /// <summary>Returns a pointer to the connection handle (<c>chdb_connection*</c>), or null.</summary>
    [LibraryImport(Library, EntryPoint = "chdb_connect")]
    public static partial IntPtr Connect(int argc, byte** argv);

    [LibraryImport(Library, EntryPoint = "chdb_close_conn")]
    public static partial void CloseConnection(IntPtr connectionRef);

    [LibraryImport(Library, EntryPoint = "chdb_shutdown")]
    public static partial int Shutdown();

    [LibraryImport(Library, EntryPoint = "chdb_query_with_params_n")]
    public static partial IntPtr QueryWithParams(
        IntPtr connection, byte* query, nuint queryLength, byte* format, nuint formatLength,
        byte** names, nuint* nameLengths, byte** values, nuint* valueLengths, nuint count);

    [LibraryImport(Library, EntryPoint = "chdb_stream_query_with_params_n")]
    public static partial IntPtr StreamQueryWithParams(
        IntPtr connection, byte* query, nuint queryLength, byte* format, nuint formatLength,
        byte** names, nuint* nameLengths, byte** values, nuint* valueLengths, nuint count);

    [LibraryImport(Library, EntryPoint = "chdb_stream_fetch_result")]
    public static partial IntPtr StreamFetch(IntPtr connection, IntPtr streamResult);

    [LibraryImport(Library, EntryPoint = "chdb_stream_cancel_query")]
    public static partial void StreamCancel(IntPtr connection, IntPtr streamResult);

    [LibraryImport(Library, EntryPoint = "chdb_destroy_query_result")]
    public static partial void DestroyResult(IntPtr result);

    [LibraryImport(Library, EntryPoint = "chdb_stream_insert_with_params_n")]
    public static partial IntPtr StreamInsertWithParams(
        IntPtr connection, byte* query, nuint queryLength, byte* format, nuint formatLength,
        byte** names, nuint* nameLengths, byte** values, nuint* valueLengths, nuint count);

    /// <summary>Copies <paramref name="length"/> bytes into the insert; 0 = success.</summary>
    [LibraryImport(Library, EntryPoint = "chdb_stream_append")]
    public static partial int StreamAppend(IntPtr insertStream, byte* data, nuint length);

    [LibraryImport(Library, EntryPoint = "chdb_stream_done")]
    public static partial IntPtr StreamDone(IntPtr insertStream);

    [LibraryImport(Library, EntryPoint = "chdb_stream_insert_error")]
    public static partial byte* StreamInsertError(IntPtr insertStream);

    [LibraryImport(Library, EntryPoint = "chdb_destroy_insert_stream")]
    public static partial void DestroyInsertStream(IntPtr insertStream);

    [LibraryImport(Library, EntryPoint = "chdb_result_buffer")]
    public static partial byte* ResultBuffer(IntPtr result);

    [LibraryImport(Library, EntryPoint = "chdb_result_length")]
    public static partial nuint ResultLength(IntPtr result);

    [LibraryImport(Library, EntryPoint = "chdb_result_elapsed")]
    public static partial double ResultElapsed(IntPtr result);

    [LibraryImport(Library, EntryPoint = "chdb_result_rows_read")]
    public static partial ulong ResultRowsRead(IntPtr result);

    [LibraryImport(Library, EntryPoint = "chdb_result_bytes_read")]
    public static partial ulong ResultBytesRead(IntPtr result);

    [LibraryImport(Library, EntryPoint = "chdb_result_storage_rows_read")]
    public static partial ulong ResultStorageRowsRead(IntPtr result);

    [LibraryImport(Library, EntryPoint = "chdb_result_storage_bytes_read")]
    public static partial ulong ResultStorageBytesRead(IntPtr result);

    [LibraryImport(Library, EntryPoint = "chdb_result_rows_written")]
    public static partial ulong ResultRowsWritten(IntPtr result);

    [LibraryImport(Library, EntryPoint = "chdb_result_bytes_written")]
    public static partial ulong ResultBytesWritten(IntPtr result);

    [LibraryImport(Library, EntryPoint = "chdb_result_error")]
    public static partial byte* ResultError(IntPtr result);

    /// <summary>Reads a NUL-terminated UTF-8 string owned by chDB (null stays null).</summary>
    public static string? ReadString(byte* text) => text is null ? null : Marshal.PtrToStringUTF8((IntPtr)text);
}
