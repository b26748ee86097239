-- The Supervisor Callback Log: each commitment's window, tier, caller and attempts, and an
-- append-only history of every change (who, when, why).
ALTER TABLE callbacks ADD COLUMN tier TEXT;
ALTER TABLE callbacks ADD COLUMN caller_verified BIGINT;
ALTER TABLE callbacks ADD COLUMN zone TEXT;
ALTER TABLE callbacks ADD COLUMN window_start TEXT;
ALTER TABLE callbacks ADD COLUMN window_end TEXT;
ALTER TABLE callbacks ADD COLUMN window_end_ms BIGINT;
ALTER TABLE callbacks ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE callbacks ADD COLUMN updated_at TEXT;
CREATE UNIQUE INDEX callbacks_reference ON callbacks (reference);
CREATE INDEX callbacks_owner ON callbacks (owner, status);

CREATE TABLE callback_changes (
    id           BIGSERIAL PRIMARY KEY,
    callback_id  TEXT NOT NULL REFERENCES callbacks (id),
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    change       TEXT NOT NULL, -- created | attempted | completed | missed | rescheduled | reassigned | cancelled
    from_status  TEXT,
    to_status    TEXT NOT NULL,
    reason       TEXT,
    detail       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX callback_changes_callback ON callback_changes (callback_id, id);
CREATE FUNCTION callback_changes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'callback history is append-only';
END;
$$;
CREATE TRIGGER callback_changes_kept_u BEFORE UPDATE ON callback_changes
FOR EACH ROW EXECUTE FUNCTION callback_changes_append_only();
CREATE TRIGGER callback_changes_kept_d BEFORE DELETE ON callback_changes
FOR EACH ROW EXECUTE FUNCTION callback_changes_append_only();

-- Commitments recorded before the log had a history get their creation entry.
INSERT INTO callback_changes (callback_id, at, actor, change, from_status, to_status, reason)
SELECT id, created_at, 'escalator', 'created', NULL, status, 'recorded before the history existed'
FROM callbacks;
