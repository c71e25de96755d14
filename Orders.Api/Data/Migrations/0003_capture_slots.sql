-- What this database remembers of its capture slot (issue 13 item 2): a slot that existed once and is gone — dropped,
-- invalidated at max_slot_wal_keep_size, or missing on a promoted standby — must not be recreated silently at the
-- current WAL position: every change in between would never reach Kafka, and heartbeats would carry the watermark
-- past them. The migrator creates the slot and this row together; the relay records the slot's confirmed position
-- here every few seconds and marks the row lost when the slot is. Only an operator turns recreate_after_loss on
-- (after the backfill, or accepting the gap); the next start then makes a new slot.
CREATE TABLE IF NOT EXISTS capture_slots (
    slot_name           text PRIMARY KEY,
    created_at          timestamptz NOT NULL DEFAULT now(),
    created_lsn         pg_lsn NOT NULL,
    confirmed_lsn       pg_lsn,                 -- the slot's confirmed_flush_lsn, last seen
    confirmed_at        timestamptz,
    lost_at             timestamptz,            -- null while the slot is usable
    lost_reason         text,
    recreate_after_loss boolean NOT NULL DEFAULT false
);
