namespace PolyglotAspire.OrdersApi.Data;

/// <summary>
/// Every statement of the write path, parameterized (positional <c>$n</c>) and constant, so Npgsql's automatic
/// preparation turns each into a server-side prepared statement after a couple of uses. A write is one
/// <see cref="Npgsql.NpgsqlBatch"/>: <c>BEGIN; …; COMMIT; SELECT pg_current_wal_insert_lsn()</c> in one round trip.
/// </summary>
internal static class OrderSql
{
    public const string Begin = "BEGIN";
    public const string Commit = "COMMIT";

    /// <summary>
    /// Read right after <c>COMMIT</c> on the same connection: at or past the commit record's end, so the token
    /// covers the write and everything committed before it (contracts §3).
    /// </summary>
    public const string CurrentWalInsertLsn = "SELECT pg_current_wal_insert_lsn()";

    public const string InsertIdempotencyKey =
        "INSERT INTO idempotency_keys (key, request_hash, order_id, response, created_at) VALUES ($1, $2, $3, $4, $5)";

    public const string SelectIdempotencyKey =
        "SELECT request_hash, response, pg_current_wal_insert_lsn() FROM idempotency_keys WHERE key = $1";

    public const string InsertOrder =
        "INSERT INTO orders (id, customer_id, region, currency, status, total, created_at, updated_at, version) " +
        "VALUES ($1, $2, $3, $4, 'new', $5, $6, $6, 1)";

    public const string InsertLines =
        "INSERT INTO order_lines (order_id, line_no, sku, quantity, unit_price) " +
        "SELECT $1, l.n, l.sku, l.quantity, l.unit_price " +
        "FROM unnest($2::text[], $3::int[], $4::numeric[]) WITH ORDINALITY AS l (sku, quantity, unit_price, n)";

    public const string InsertOutbox = "INSERT INTO outbox (event_id, order_id, payload) VALUES ($1, $2, $3)";

    /// <summary>The publication publishes inserts only: the envelope reaches the WAL, the table stays empty.</summary>
    public const string DeleteOutbox = "DELETE FROM outbox WHERE event_id = $1";

    /// <summary>Status change, conditional on the version read (optimistic concurrency): no outbox row if another write won.</summary>
    public const string UpdateStatusWithOutbox =
        "WITH changed AS (UPDATE orders SET status = $2, version = version + 1, updated_at = $3 WHERE id = $1 AND version = $4 RETURNING id) " +
        "INSERT INTO outbox (event_id, order_id, payload) SELECT $5, id, $6 FROM changed";

    /// <summary>Delete (lines go by ON DELETE CASCADE), conditional on the version read.</summary>
    public const string DeleteOrderWithOutbox =
        "WITH gone AS (DELETE FROM orders WHERE id = $1 AND version = $2 RETURNING id) " +
        "INSERT INTO outbox (event_id, order_id, payload) SELECT $3, id, $4 FROM gone";

    /// <summary>The columns every read of an order starts with, in the order <c>OrderStore.ReadRow</c> maps them (0–8).</summary>
    private const string OrderColumns = "o.id, o.customer_id, o.region, o.currency, o.status, o.total, o.created_at, o.updated_at, o.version";

    private const string LineCount = "(SELECT count(*)::int FROM order_lines l WHERE l.order_id = o.id)";

    /// <summary>The order's columns, then its line count (9).</summary>
    public const string SelectRow = $"SELECT {OrderColumns}, {LineCount} FROM orders o WHERE o.id = $1";

    /// <summary>The order's columns, then one line per row (9–11; null without lines).</summary>
    public const string SelectOrderWithLines =
        $"SELECT {OrderColumns}, l.sku, l.quantity, l.unit_price " +
        "FROM orders o LEFT JOIN order_lines l ON l.order_id = o.id WHERE o.id = $1 ORDER BY l.line_no";

    /// <summary>
    /// Keyset pages, one constant statement per filter combination (so each gets its own plan and uses its index:
    /// a single <c>($1 IS NULL OR …)</c> statement would get a generic plan that cannot). Index: [customer?][status?][after?].
    /// Parameters: $1 limit, then customer id, status and cursor id in that order when present. Columns as <see cref="SelectRow"/>.
    /// </summary>
    private static readonly string[] SelectPage = BuildPageStatements();

    public static string Page(bool customer, bool status, bool after) => SelectPage[(customer ? 4 : 0) + (status ? 2 : 0) + (after ? 1 : 0)];

    public const string PurgeIdempotencyKeys =
        "DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY(SELECT ctid FROM idempotency_keys WHERE created_at < $1 LIMIT $2))";

    private static string[] BuildPageStatements()
    {
        var statements = new string[8];
        for (var i = 0; i < 8; i++)
        {
            bool customer = (i & 4) != 0, status = (i & 2) != 0, after = (i & 1) != 0;
            var conditions = new List<string>(3);
            var next = 2;
            if (customer)
            {
                conditions.Add($"o.customer_id = ${next++}");
            }

            if (status)
            {
                conditions.Add($"o.status = ${next++}");
            }

            if (after)
            {
                conditions.Add($"o.id < ${next}");
            }

            statements[i] =
                $"SELECT {OrderColumns}, {LineCount} FROM orders o" +
                (conditions.Count > 0 ? " WHERE " + string.Join(" AND ", conditions) : "") +
                " ORDER BY o.id DESC LIMIT $1";
        }

        return statements;
    }
}
