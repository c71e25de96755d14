namespace PolyglotAspire.OrdersApi.Capture;

/// <summary>What the relay asks about its slot (<see cref="ReplicationSlotGuard"/>; a fake in unit tests).</summary>
internal interface IReplicationSlotGuard
{
    /// <summary>
    /// After a failed session: whether the slot is gone or invalidated (recorded durably when it is), or null when it
    /// is there and usable. Throws when PostgreSQL cannot be asked: then nothing is known.
    /// </summary>
    Task<SlotLoss?> FindLossAsync(CancellationToken cancellationToken);
}
