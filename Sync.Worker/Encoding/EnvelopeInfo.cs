using PolyglotAspire.Contracts;

namespace PolyglotAspire.SyncWorker.Encoding;

/// <summary>
/// What <see cref="EnvelopeTranscoder.Transcode"/> learned about one envelope: enough for offsets, watermarks,
/// trace links and the dead-letter reason, with no reference to the bytes (the caller owns them).
/// </summary>
internal struct EnvelopeInfo
{
    public EnvelopeKind Kind;
    public DecodeError Error;

    /// <summary>The field that failed (<see cref="OrderEventKeys"/> position), or -1 for the envelope itself.</summary>
    public int Field;

    public OrderEventType EventType;
    public ulong CommitLsn;
    public long CommitTimeMs;

    /// <summary>The source the change was captured from (0/0: an envelope from before these fields).</summary>
    public ulong SourceSystemId;
    public uint SourceTimeline;

    /// <summary>On a heartbeat: how many partitions its round went to (0: not said).</summary>
    public int PartitionCount;

    /// <summary>The SchemaVersion read, when it is not this build's.</summary>
    public long SchemaVersion;

    /// <summary>Bytes of RowBinary written to the destination (only for <see cref="EnvelopeKind.Order"/>).</summary>
    public int RowLength;

    /// <summary>Where the traceparent string lies inside the envelope (length 0: none).</summary>
    public int TraceParentOffset;
    public int TraceParentLength;
}
