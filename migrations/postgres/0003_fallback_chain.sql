-- PostgreSQL twin of ../0003_fallback_chain.sql.
-- Fallback chain: answers armed for a call's next routing-hook request, and Escalator's own
-- named callbacks (the last link of every chain that allows a callback).

CREATE TABLE armed_routes (
    escalation_id  TEXT PRIMARY KEY REFERENCES escalations (id),
    vendor         TEXT    NOT NULL,
    call_id        TEXT    NOT NULL,
    team           TEXT    NOT NULL,
    destination    TEXT    NOT NULL, -- JSON Destination
    briefing       TEXT    NOT NULL, -- JSON Briefing
    status         TEXT    NOT NULL, -- armed | consumed | expired
    armed_at       TEXT    NOT NULL,
    expires_ms     BIGINT  NOT NULL,
    consumed_at    TEXT
);
CREATE INDEX armed_routes_call ON armed_routes (vendor, call_id, status);

CREATE TABLE callbacks (
    id             TEXT PRIMARY KEY,
    reference      TEXT NOT NULL,
    escalation_id  TEXT NOT NULL UNIQUE REFERENCES escalations (id),
    vendor         TEXT NOT NULL,
    call_id        TEXT NOT NULL,
    team           TEXT NOT NULL,
    owner          TEXT,
    number         TEXT,
    caller_name    TEXT,
    reason         TEXT NOT NULL,
    quote          TEXT,
    status         TEXT NOT NULL, -- pending | attempted | completed | missed | rescheduled | cancelled
    created_at     TEXT NOT NULL
);
CREATE INDEX callbacks_status ON callbacks (status, team);
