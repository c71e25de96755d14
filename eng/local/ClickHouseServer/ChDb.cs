using System.Runtime.InteropServices;

namespace PolyglotAspire.ClickHouseServer;

/// <summary>The three calls of chDB's C API (libchdb 26.7) the host needs.</summary>
internal static partial class ChDb
{
    private const string Library = "chdb";

    /// <summary>Routes the <c>chdb</c> imports to the installed library (one per process: chDB is process-global).</summary>
    public static void Load(string path) =>
        NativeLibrary.SetDllImportResolver(typeof(ChDb).Assembly, (name, _, _) =>
            name == Library ? NativeLibrary.Load(path) : IntPtr.Zero);

    /// <summary>
    /// Must precede any other call from .NET: otherwise ClickHouse installs its crash handlers over the runtime's,
    /// and a managed NullReferenceException (a SIGSEGV to the runtime) is swallowed and the process hangs.
    /// </summary>
    [LibraryImport(Library, EntryPoint = "chdb_set_signal_handlers_enabled")]
    public static partial void SetSignalHandlersEnabled(int enabled);

    /// <summary>clickhouse-local's <c>main</c>: runs the command line and blocks until its last query ends.</summary>
    [LibraryImport(Library, EntryPoint = "chdb_query_cmdline", StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr QueryCommandLine(int argc, string[] argv);

    [LibraryImport(Library, EntryPoint = "chdb_result_error")]
    private static partial IntPtr ResultError(IntPtr result);

    [LibraryImport(Library, EntryPoint = "chdb_destroy_query_result")]
    private static partial void DestroyResult(IntPtr result);

    /// <summary>The error a result carries (null: success), and the result freed.</summary>
    public static string? TakeError(IntPtr result)
    {
        if (result == IntPtr.Zero)
        {
            return "chDB returned no result";
        }

        var error = Marshal.PtrToStringUTF8(ResultError(result));
        DestroyResult(result);
        return error;
    }
}
