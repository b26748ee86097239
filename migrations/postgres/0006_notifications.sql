-- PostgreSQL twin of ../0006_notifications.sql.
-- Callback reminders and overdue escalations: one row per (commitment, kind, window), so
-- each is planned once however many times or replicas the scheduler runs, then leased and
-- sent like an outbox action.
CREATE TABLE notifications (
    id               BIGSERIAL PRIMARY KEY,
    callback_id      TEXT    NOT NULL REFERENCES callbacks (id),
    kind             TEXT    NOT NULL, -- due_soon | overdue
    window_end       TEXT    NOT NULL,
    recipient        TEXT,
    status           TEXT    NOT NULL, -- pending | leased | sent | failed
    attempts         BIGINT  NOT NULL DEFAULT 0,
    next_attempt_ms  BIGINT  NOT NULL,
    locked_by        TEXT,
    locked_until     BIGINT,
    last_error       TEXT,
    created_at       TEXT    NOT NULL,
    sent_at          TEXT,
    UNIQUE (callback_id, kind, window_end)
);
CREATE INDEX notifications_due ON notifications (status, next_attempt_ms);
ALTER TABLE callbacks ADD COLUMN window_start_ms BIGINT;
CREATE INDEX callbacks_window_end ON callbacks (status, window_end_ms);
