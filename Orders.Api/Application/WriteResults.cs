using PolyglotAspire.Contracts;
using PolyglotAspire.OrdersApi.Domain;

namespace PolyglotAspire.OrdersApi.Application;

public enum CreateOutcome
{
    Created,

    /// <summary>The <c>Idempotency-Key</c> was used before with the same request: <see cref="CreateResult.ReplayedAnswer"/> is the first answer.</summary>
    Replayed,

    /// <summary>The <c>Idempotency-Key</c> was used before with a different request (422).</summary>
    KeyReused,
}

/// <summary>What a create did. <see cref="Row"/> is the order created (only when <see cref="CreateOutcome.Created"/>).</summary>
public readonly record struct CreateResult(CreateOutcome Outcome, ConsistencyToken Token, OrderRow? Row = null, byte[]? ReplayedAnswer = null);

public enum ChangeOutcome
{
    Committed,
    NotFound,

    /// <summary>The order is at another version than the precondition names (412).</summary>
    PreconditionFailed,

    /// <summary>The order's status cannot move to the one asked for (409).</summary>
    TransitionNotAllowed,

    /// <summary>Other writes kept changing the order between our read and our write, retries included (409).</summary>
    ConcurrentChange,
}

/// <summary>
/// What a status change or delete did. <see cref="Row"/>: the order as changed (for a delete, the deletion: the next
/// version of the last row) when committed; the current row when the precondition or the transition failed on it;
/// null otherwise (also for a precondition that failed because another write got in first).
/// </summary>
public readonly record struct ChangeResult(ChangeOutcome Outcome, OrderRow? Row = null, ConsistencyToken Token = default);
