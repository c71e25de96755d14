namespace PolyglotAspire.Contracts;

/// <summary>Kafka topic names shared by the capture relay (producer) and the sync worker (consumer).</summary>
public static class Topics
{
    /// <summary>Every committed order change, key = order id, plus the relay's heartbeats on every partition.</summary>
    public const string OrderEvents = "orders.events";

    /// <summary>Messages the sync worker could not decode, with their original bytes and the reason.</summary>
    public const string OrderEventsDeadLetter = "orders.events.dlq";
}
