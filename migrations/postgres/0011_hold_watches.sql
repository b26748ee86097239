-- PostgreSQL twin of ../0011_hold_watches.sql.
-- Holds being watched: one row per call on hold while `long_hold` has not fired, written in
-- the transaction that records the hold's start and deleted when the hold or the call ends,
-- or when the watch fires (in the transaction that records what the playbook decided), so
-- a long hold is noticed while it lasts, once, across restarts and replicas.
CREATE TABLE hold_watches (
    vendor           TEXT    NOT NULL,
    call_id          TEXT    NOT NULL,
    event_id         TEXT    NOT NULL, -- the hold_started event: the escalation's origin
    hold_started_ms  BIGINT  NOT NULL,
    due_ms           BIGINT  NOT NULL,
    PRIMARY KEY (vendor, call_id)
);
CREATE INDEX hold_watches_due ON hold_watches (due_ms);
