using System.Globalization;

namespace PolyglotAspire.SyncWorker.Backfill;

/// <summary>
/// What a backfill reads from PostgreSQL inside its snapshot: every order in the range with what the envelope carries
/// (contracts.md §3) — its row, its commit timestamp and its line count — as a binary <c>COPY</c>
/// (<see cref="SnapshotRowDecoder"/> reads the columns in this order). <c>COPY</c> takes no parameters: the range is
/// two instants formatted here, never text from a request.
/// </summary>
internal static class SnapshotSql
{
    /// <summary>Every line counted once, joined by hash: ≈2× cheaper than a count per order over a whole table.</summary>
    private const string AllLineCounts = "LEFT JOIN (SELECT order_id, count(*)::int AS n FROM order_lines GROUP BY order_id) l ON l.order_id = o.id";

    /// <summary>A count per order in the range through the lines' primary key: cheaper when the range is a small part.</summary>
    private const string RangeLineCounts = "LEFT JOIN LATERAL (SELECT count(*)::int AS n FROM order_lines WHERE order_id = o.id) l ON true";

    /// <summary>Whether PostgreSQL records commit timestamps (<c>track_commit_timestamp</c>); without them, updated_at stands in.</summary>
    public const string TracksCommitTimestamps = "SELECT current_setting('track_commit_timestamp')::bool";

    public static string Copy(DateTime from, DateTime to, bool wholeTable, bool commitTimestamps) =>
        $"""
        COPY (
          SELECT o.id, o.version, o.customer_id, o.region, o.currency, o.status, o.total, o.created_at,
                 {(commitTimestamps ? "coalesce(pg_xact_commit_timestamp(o.xmin), o.updated_at)" : "o.updated_at")}, coalesce(l.n, 0)
          FROM orders o {(wholeTable ? AllLineCounts : RangeLineCounts)}
          WHERE o.created_at >= {Literal(from)} AND o.created_at < {Literal(to)}
        ) TO STDOUT (FORMAT BINARY)
        """;

    private static string Literal(DateTime instant) =>
        "'" + DateTime.SpecifyKind(instant, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture) + "'::timestamptz";
}
