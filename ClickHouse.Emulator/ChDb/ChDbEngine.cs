using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Options;

namespace ClickHouse.Emulator.ChDb;

/// <summary>
/// The process-wide chDB engine: boots it on start, hands out sessions, closes it on shutdown.
/// <para>
/// Concurrency model. chDB runs one statement at a time per connection, but several connections on
/// one engine execute in parallel (checked on 26.7: a 7 s scan on one connection does not delay a
/// SELECT on another, and a streaming insert on one does not block reads on another). So each request
/// leases a whole connection ("session") for its duration — no lock is ever held across a native
/// call on a shared connection — and a semaphore bounds how many run at once
/// (<see cref="ChDbOptions.MaxConcurrentQueries"/>); further requests wait their turn.
/// </para>
/// <para>
/// An extra "anchor" connection, opened first and closed last, is never leased: closing the last
/// connection shuts the engine down, so evicting pooled sessions must never be able to do that.
/// </para>
/// </summary>
internal sealed partial class ChDbEngine : IHostedService, IAsyncDisposable
{
    private readonly ChDbOptions options;
    private readonly string dataPath;
    private readonly ILogger<ChDbEngine> logger;
    private readonly SemaphoreSlim gate;
    private readonly LinkedList<ChDbConnection> idle = new(); // most recently used first
    private readonly Lock idleLock = new();
    private ChDbConnection? anchor;
    private int disposed;

    public ChDbEngine(IOptions<ChDbOptions> options, ILogger<ChDbEngine> logger)
    {
        this.options = options.Value;
        dataPath = Path.GetFullPath(this.options.DataPath);
        this.logger = logger;
        gate = new SemaphoreSlim(this.options.MaxConcurrentQueries, this.options.MaxConcurrentQueries);
    }

    /// <summary>Engine version as <c>SELECT version()</c> reports it, e.g. 26.7.2.1.</summary>
    public string Version { get; private set; } = string.Empty;

    /// <summary>The engine's default time zone (<c>timezone()</c>), sent as <c>X-ClickHouse-Timezone</c>.</summary>
    public string Timezone { get; private set; } = "UTC";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        Directory.CreateDirectory(dataPath);
        ChDbNative.UseLibrary(options.LibraryPath);

        // Must precede chdb_connect: otherwise ClickHouse installs its crash handlers over the
        // runtime's, a managed NullReferenceException (a SIGSEGV to the runtime) is swallowed, and the
        // process hangs.
        ChDbNative.SetSignalHandlersEnabled(0);

        anchor = ChDbConnection.Open(dataPath);
        using (var info = anchor.Query("SELECT version(), timezone()"u8, "TabSeparated").ThrowIfError())
        {
            var fields = Encoding.UTF8.GetString(info.GetSpan()).TrimEnd('\n').Split('\t');
            Version = fields[0];
            Timezone = fields.Length > 1 ? fields[1] : "UTC";
        }

        Log.EngineStarted(logger, Version, dataPath, started.ElapsedMilliseconds);
        return Task.CompletedTask;
    }

    // Nothing to do here: the server drains requests after hosted services are told to stop, so
    // the engine is closed in DisposeAsync, once nothing can use it any more.
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Waits for a free slot, then returns a session prepared for <paramref name="profile"/> (an idle one
    /// with the same profile when there is one). Setup errors (unknown database or setting, bad value)
    /// are thrown as the engine reported them.
    /// </summary>
    public async ValueTask<ChDbLease> LeaseAsync(SessionProfile profile, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return new ChDbLease(this, TakeIdle(profile.Key) ?? OpenSession(profile));
        }
        catch
        {
            gate.Release();
            throw;
        }
    }

    /// <summary>Gives a session back: pooled if it still matches its profile, closed otherwise.</summary>
    internal void Return(ChDbConnection connection, bool reusable)
    {
        ChDbConnection? evicted = null;
        if (reusable && Volatile.Read(ref disposed) == 0 && options.MaxIdleSessions > 0)
        {
            lock (idleLock)
            {
                idle.AddFirst(connection);
                if (idle.Count > options.MaxIdleSessions)
                {
                    evicted = idle.Last!.Value;
                    idle.RemoveLast();
                }
            }
        }
        else
        {
            evicted = connection;
        }

        evicted?.Dispose();
        gate.Release();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0 || anchor is null)
        {
            return;
        }

        // Take every slot so no statement is running inside the engine when it closes; a request
        // that outlives the timeout keeps its session, and the engine is then left to process exit.
        var taken = 0;
        var deadline = Stopwatch.StartNew();
        while (taken < options.MaxConcurrentQueries)
        {
            var left = options.ShutdownTimeout - deadline.Elapsed;
            if (left < TimeSpan.Zero || !await gate.WaitAsync(left).ConfigureAwait(false))
            {
                break;
            }

            taken++;
        }

        lock (idleLock)
        {
            foreach (var connection in idle)
            {
                connection.Dispose();
            }

            idle.Clear();
        }

        if (taken < options.MaxConcurrentQueries)
        {
            Log.ShutdownWithBusySessions(logger, options.MaxConcurrentQueries - taken);
            return;
        }

        anchor.Dispose();

        // With every connection closed, join the engine's threads before the runtime tears down.
        // After MergeTree writes 26.7 reports that some background threads would not stop; they are
        // reaped by process exit, which chdb.h documents as safe.
        Log.EngineStopped(logger, ChDbNative.Shutdown() == 0 ? "all engine threads stopped" : "some background threads left to process exit");
    }

    private ChDbConnection? TakeIdle(string key)
    {
        lock (idleLock)
        {
            for (var node = idle.First; node is not null; node = node.Next)
            {
                if (node.Value.ProfileKey == key)
                {
                    idle.Remove(node);
                    return node.Value;
                }
            }
        }

        return null;
    }

    private ChDbConnection OpenSession(SessionProfile profile)
    {
        var connection = ChDbConnection.Open(dataPath, profile.Key);
        try
        {
            foreach (var statement in profile.SetupStatements())
            {
                connection.Execute(statement);
            }

            Log.SessionOpened(logger, profile.Database ?? "default", profile.Settings.Count);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "chDB {Version} started on {DataPath} in {ElapsedMs} ms")]
        public static partial void EngineStarted(ILogger logger, string version, string dataPath, long elapsedMs);

        [LoggerMessage(2, LogLevel.Information, "chDB engine closed ({Outcome})")]
        public static partial void EngineStopped(ILogger logger, string outcome);

        [LoggerMessage(3, LogLevel.Warning, "{Busy} statement(s) still running at shutdown; leaving the chDB engine to process exit")]
        public static partial void ShutdownWithBusySessions(ILogger logger, int busy);

        [LoggerMessage(5, LogLevel.Debug, "Opened a chDB session (database {Database}, {SettingCount} settings)")]
        public static partial void SessionOpened(ILogger logger, string database, int settingCount);
    }
}
