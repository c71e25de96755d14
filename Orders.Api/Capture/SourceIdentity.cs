namespace PolyglotAspire.OrdersApi.Capture;

/// <summary>
/// Which PostgreSQL the relay captures from: its <c>system_identifier</c> and current timeline, as the replication
/// connection's <c>IDENTIFY_SYSTEM</c> reports them. Every envelope carries both, so a watermark says whose WAL its LSN
/// belongs to (contracts.md §2): a wiped or restored database, or a promoted standby, is another source.
/// </summary>
internal readonly record struct SourceIdentity(ulong SystemId, uint Timeline);
