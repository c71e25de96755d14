-- Orders, their lines, the transactional outbox and idempotency keys. Idempotent (IF NOT EXISTS everywhere): the
-- migrator also records applied versions, but a half-applied script run again must not fail.

CREATE TABLE IF NOT EXISTS orders (
    id          uuid PRIMARY KEY,                 -- UUIDv7: time-ordered, so keyset pages by id are newest first
    customer_id text NOT NULL,
    region      text NOT NULL,
    currency    text NOT NULL,
    status      text NOT NULL CHECK (status IN ('new', 'paid', 'shipped', 'delivered', 'cancelled')),
    total       numeric(18, 2) NOT NULL CHECK (total >= 0),
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    version     int NOT NULL CHECK (version >= 1)
);

-- Keyset pagination: GET /api/orders?customerId=…&status=… ORDER BY id DESC.
CREATE INDEX IF NOT EXISTS orders_customer_id_id ON orders (customer_id, id);
CREATE INDEX IF NOT EXISTS orders_status_id ON orders (status, id);

CREATE TABLE IF NOT EXISTS order_lines (
    order_id   uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line_no    smallint NOT NULL,
    sku        text NOT NULL,
    quantity   int NOT NULL CHECK (quantity BETWEEN 1 AND 10000),
    unit_price numeric(18, 2) NOT NULL CHECK (unit_price >= 0),
    PRIMARY KEY (order_id, line_no)
);

-- The outbox: one row per change, inserted AND deleted in the change's own transaction. The publication below
-- publishes inserts only, so the WAL carries every envelope to the capture relay while the table stays empty:
-- nothing to purge, no backlog in the table even while Kafka is down (the replication slot keeps the WAL instead).
-- Dead tuples are cleaned by (aggressive, per-table) autovacuum; REPLICA IDENTITY NOTHING keeps the delete's WAL
-- record minimal (deletes are never published).
CREATE TABLE IF NOT EXISTS outbox (
    event_id uuid PRIMARY KEY,
    order_id uuid NOT NULL,
    payload  bytea NOT NULL                       -- the OrderEvent MessagePack envelope, CommitLsn/CommitTimeMs = 0
) WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000, autovacuum_vacuum_cost_delay = 0,
        autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 5000);
ALTER TABLE outbox REPLICA IDENTITY NOTHING;

CREATE TABLE IF NOT EXISTS idempotency_keys (
    key          text PRIMARY KEY,
    request_hash bytea NOT NULL,                  -- SHA-256 of the normalized request: same key + other body = 422
    order_id     uuid NOT NULL,
    response     bytea NOT NULL,                  -- the first answer (JSON), replayed to retries
    created_at   timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS idempotency_keys_created_at ON idempotency_keys (created_at);

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'orders_outbox') THEN
        CREATE PUBLICATION orders_outbox FOR TABLE outbox WITH (publish = 'insert');
    END IF;
END
$$;
