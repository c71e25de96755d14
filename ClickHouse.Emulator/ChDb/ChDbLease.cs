namespace ClickHouse.Emulator.ChDb;

/// <summary>Exclusive use of one session until disposed.</summary>
internal sealed class ChDbLease : IDisposable
{
    private ChDbEngine? engine;

    public ChDbLease(ChDbEngine engine, ChDbConnection connection)
    {
        this.engine = engine;
        Connection = connection;
    }

    public ChDbConnection Connection { get; }

    /// <summary>Set when the statement may have changed the session (SET, USE, temporary tables).</summary>
    public bool Discard { get; set; }

    public void Dispose() => Interlocked.Exchange(ref engine, null)?.Return(Connection, !Discard);
}
