namespace PolyglotAspire.SyncWorker.Encoding;

/// <summary>Stable names of <see cref="DecodeError"/> (metric tags and the dead-letter record's <c>reason</c>).</summary>
internal static class DeadLetterReasons
{
    public static string Name(DecodeError error) => error switch
    {
        DecodeError.Empty => "empty",
        DecodeError.NotAnArray => "not_an_array",
        DecodeError.TooFewFields => "too_few_fields",
        DecodeError.UnsupportedSchemaVersion => "unsupported_schema_version",
        DecodeError.WrongType => "wrong_type",
        DecodeError.InvalidValue => "invalid_value",
        DecodeError.InvalidUtf8 => "invalid_utf8",
        DecodeError.Truncated => "truncated",
        DecodeError.TrailingBytes => "trailing_bytes",
        _ => "none",
    };
}
