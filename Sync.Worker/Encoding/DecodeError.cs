namespace PolyglotAspire.SyncWorker.Encoding;

/// <summary>Why a message could not be decoded (the dead-letter reason; values are stable, names are on the wire).</summary>
internal enum DecodeError : byte
{
    None = 0,

    /// <summary>A null or zero-length value (e.g. a tombstone).</summary>
    Empty,

    /// <summary>The first token is not a MessagePack array: garbage, or another format.</summary>
    NotAnArray,

    /// <summary>An array shorter than schema version 1's first revision (15 fields).</summary>
    TooFewFields,

    /// <summary>SchemaVersion is not 1: a bogus one (dead-lettered) or a newer one (<see cref="EnvelopeKind.NewerSchema"/>, never dead-lettered).</summary>
    UnsupportedSchemaVersion,

    /// <summary>A field holds the wrong MessagePack type (e.g. nil or a float where an integer belongs, an invalid code).</summary>
    WrongType,

    /// <summary>The type is right, the value impossible (unknown event type, UUID not 16 bytes, out of a column's range).</summary>
    InvalidValue,

    /// <summary>A string is not valid UTF-8.</summary>
    InvalidUtf8,

    /// <summary>The bytes end inside the envelope.</summary>
    Truncated,

    /// <summary>Bytes follow the envelope.</summary>
    TrailingBytes,
}
