using MessagePack;

namespace PolyglotAspire.Contracts;

/// <summary>
/// The change event on <see cref="Topics.OrderEvents"/>: the full current order row plus where and when it was
/// committed, so the sink never reads PostgreSQL. MessagePack array with integer keys; evolution is append-only
/// (new fields get new keys at the end, readers skip keys they do not know). A breaking change bumps
/// <see cref="SchemaVersion"/>, which readers that do not know it reject.
/// </summary>
[MessagePackObject]
public sealed record OrderEvent
{
    public const int CurrentSchemaVersion = 1;

    [Key(OrderEventKeys.SchemaVersion)] public int SchemaVersion { get; init; } = CurrentSchemaVersion;
    [Key(OrderEventKeys.EventId)] public Guid EventId { get; init; }
    [Key(OrderEventKeys.EventType)] public OrderEventType EventType { get; init; }
    [Key(OrderEventKeys.OrderId)] public Guid OrderId { get; init; }
    [Key(OrderEventKeys.OrderVersion)] public int OrderVersion { get; init; }

    /// <summary>End LSN of the source transaction's commit record; 0 until the capture relay fills it in.</summary>
    [Key(OrderEventKeys.CommitLsn)] public ulong CommitLsn { get; init; }

    /// <summary>Source commit time, unix milliseconds (PostgreSQL's clock); 0 until the capture relay fills it in.</summary>
    [Key(OrderEventKeys.CommitTimeMs)] public long CommitTimeMs { get; init; }

    [Key(OrderEventKeys.CustomerId)] public string CustomerId { get; init; } = "";
    [Key(OrderEventKeys.Region)] public string Region { get; init; } = "";
    [Key(OrderEventKeys.Currency)] public string Currency { get; init; } = "";
    [Key(OrderEventKeys.Status)] public string Status { get; init; } = "";

    /// <summary>Order total in hundredths (numeric(18,2) scaled by 100).</summary>
    [Key(OrderEventKeys.TotalCents)] public long TotalCents { get; init; }

    /// <summary>Order creation time, unix milliseconds, UTC.</summary>
    [Key(OrderEventKeys.CreatedAtMs)] public long CreatedAtMs { get; init; }

    [Key(OrderEventKeys.LineCount)] public int LineCount { get; init; }

    /// <summary>W3C traceparent of the write, carried in the body because the local 0.9 broker drops headers.</summary>
    [Key(OrderEventKeys.TraceParent)] public string? TraceParent { get; init; }

    /// <summary>
    /// PostgreSQL's <c>system_identifier</c> of the database the change was captured from (0: unknown, an envelope from
    /// before this field). With <see cref="SourceTimeline"/> it ties a watermark to its source (contracts.md §2).
    /// </summary>
    [Key(OrderEventKeys.SourceSystemId)] public ulong SourceSystemId { get; init; }

    /// <summary>The source's timeline at capture: a failover or a point-in-time restore starts a new one.</summary>
    [Key(OrderEventKeys.SourceTimeline)] public uint SourceTimeline { get; init; }

    /// <summary>On a heartbeat, how many partitions its round went to (0 on order events): every one must have a watermark.</summary>
    [Key(OrderEventKeys.PartitionCount)] public int PartitionCount { get; init; }
}

/// <summary>Positions of <see cref="OrderEvent"/> fields in the MessagePack array, shared with hand-written readers.</summary>
public static class OrderEventKeys
{
    public const int SchemaVersion = 0;
    public const int EventId = 1;
    public const int EventType = 2;
    public const int OrderId = 3;
    public const int OrderVersion = 4;
    public const int CommitLsn = 5;
    public const int CommitTimeMs = 6;
    public const int CustomerId = 7;
    public const int Region = 8;
    public const int Currency = 9;
    public const int Status = 10;
    public const int TotalCents = 11;
    public const int CreatedAtMs = 12;
    public const int LineCount = 13;
    public const int TraceParent = 14;

    /// <summary>Fields every schema-version-1 envelope has: those its first revision defined.</summary>
    public const int Required = 15;

    // Appended later (append-only evolution, contracts.md §3): optional for readers, filled in by the relay.
    public const int SourceSystemId = 15;
    public const int SourceTimeline = 16;
    public const int PartitionCount = 17;

    /// <summary>Fields this build knows; longer arrays come from newer writers (extra keys are skipped).</summary>
    public const int Count = 18;
}
