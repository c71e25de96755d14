namespace PolyglotAspire.OrdersApi.Capture;

/// <summary>
/// One reading of the slot by <see cref="ReplicationSlotMonitor"/>: its state (null: no slot), when, and the loss it
/// recorded if the slot is gone or invalidated (the relay may not have noticed yet: it notices when its stream fails,
/// and a relay waiting for Kafka reads no stream).
/// </summary>
public sealed record SlotReading(SlotState? State, DateTimeOffset At, SlotLoss? Loss = null);
