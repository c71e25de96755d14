namespace PolyglotAspire.OrdersApi.Data;

/// <summary>
/// The connection failed once <c>COMMIT</c> had been sent and before PostgreSQL answered it: the write may or may not
/// be committed, and only a read can tell. The API must say so, never "nothing was written" (a client that believes
/// that retries without an idempotency key and creates a duplicate).
/// </summary>
public sealed class CommitOutcomeUnknownException(Guid orderId, Exception cause)
    : Exception($"The outcome of the write to order {orderId} is unknown: the connection failed after COMMIT was sent.", cause)
{
    /// <summary>The order the write was for (a create's id is chosen before the commit, so it is known either way).</summary>
    public Guid OrderId { get; } = orderId;
}
