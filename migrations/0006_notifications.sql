-- Callback reminders and overdue escalations: one row per (commitment, kind, window), so
-- each is planned once however many times or replicas the scheduler runs, then leased and
-- sent like an outbox action.
CREATE TABLE notifications (
    id               INTEGER PRIMARY KEY,
    callback_id      TEXT    NOT NULL REFERENCES callbacks (id),
    kind             TEXT    NOT NULL, -- due_soon | overdue
    window_end       TEXT    NOT NULL,
    recipient        TEXT,
    status           TEXT    NOT NULL, -- pending | leased | sent | failed
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms  INTEGER NOT NULL,
    locked_by        TEXT,
    locked_until     INTEGER,
    last_error       TEXT,
    created_at       TEXT    NOT NULL,
    sent_at          TEXT,
    UNIQUE (callback_id, kind, window_end)
);
CREATE INDEX notifications_due ON notifications (status, next_attempt_ms);
ALTER TABLE callbacks ADD COLUMN window_start_ms INTEGER;
CREATE INDEX callbacks_window_end ON callbacks (status, window_end_ms);
