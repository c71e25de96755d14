-- Analytics.Api's read-only PostgreSQL fallback (session/bounded reads ClickHouse cannot serve in time) filters
-- orders by created_at ranges; without this index a "last 30 days" question scans the whole table.
CREATE INDEX IF NOT EXISTS orders_created_at ON orders (created_at);
