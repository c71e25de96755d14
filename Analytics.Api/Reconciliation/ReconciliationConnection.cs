namespace PolyglotAspire.Analytics.Reconciliation;

/// <summary>
/// The <c>ordersdb</c> connection string (with its password) for the short-lived replication connection that takes a
/// reconciliation's snapshot: its role needs the <c>REPLICATION</c> attribute (docs/operations.md).
/// </summary>
public sealed record ReconciliationConnection(string Value);
