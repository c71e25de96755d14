namespace PolyglotAspire.SyncWorker.Backfill;

/// <summary>
/// The body of <c>POST /api/admin/backfill</c>: optionally a created_at range [<see cref="From"/>, <see cref="To"/>)
/// (UTC; everything when absent) and a rate limit below the configured one.
/// </summary>
public sealed record BackfillRequest(DateTimeOffset? From = null, DateTimeOffset? To = null, int? MaxRowsPerSecond = null)
{
    /// <summary>Earliest and latest instants ClickHouse's DateTime64(3) holds well inside.</summary>
    public static readonly DateTime MinTime = new(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    public static readonly DateTime MaxTime = new(2200, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public DateTime FromUtc => From?.UtcDateTime ?? MinTime;

    public DateTime ToUtc => To?.UtcDateTime ?? MaxTime;

    public bool WholeTable => From is null && To is null;

    /// <summary>Validation errors by field (empty when valid).</summary>
    public Dictionary<string, string[]> Validate()
    {
        var errors = new Dictionary<string, string[]>();
        if (FromUtc < MinTime || FromUtc > MaxTime)
        {
            errors["from"] = [$"'from' must lie between {MinTime:O} and {MaxTime:O}."];
        }

        if (ToUtc < MinTime || ToUtc > MaxTime)
        {
            errors["to"] = [$"'to' must lie between {MinTime:O} and {MaxTime:O}."];
        }
        else if (!errors.ContainsKey("from") && ToUtc <= FromUtc)
        {
            errors["to"] = ["'to' must be after 'from'."];
        }

        if (MaxRowsPerSecond is < 1)
        {
            errors["maxRowsPerSecond"] = ["'maxRowsPerSecond' must be at least 1 (leave it out for the configured limit)."];
        }

        return errors;
    }
}
