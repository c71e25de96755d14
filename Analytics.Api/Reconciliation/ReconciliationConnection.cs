namespace PolyglotAspire.Analytics.Reconciliation;

/// <summary>
/// The connection string (<see cref="Name"/>, with its password) for the short-lived replication connection that
/// takes a reconciliation's snapshot and reads within it: its role needs the <c>REPLICATION</c> attribute
/// (docs/operations.md), so it is not the fallback's read-only <c>ordersdb</c>.
/// </summary>
public sealed record ReconciliationConnection(string Value)
{
    public const string Name = "ordersdb-replication";
}
