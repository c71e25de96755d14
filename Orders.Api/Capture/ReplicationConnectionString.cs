namespace PolyglotAspire.OrdersApi.Capture;

/// <summary>The PostgreSQL connection string (with its password) for the replication connection.</summary>
public sealed record ReplicationConnectionString(string Value);
