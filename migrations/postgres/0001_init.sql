-- Escalator's durable state on PostgreSQL: the same schema as the SQLite migrations in the
-- directory above, version for version. Times used in comparisons are epoch milliseconds
-- (BIGINT); times shown to people are RFC 3339 text. Integers are BIGINT throughout, so
-- every column reads back the same way on both databases.

-- Every accepted delivery's canonical events; the unique key is the dedupe key.
CREATE TABLE inbound_events (
    id           BIGSERIAL PRIMARY KEY,
    vendor       TEXT    NOT NULL,
    event_id     TEXT    NOT NULL,
    call_id      TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    occurred_at  TEXT    NOT NULL,
    received_at  TEXT    NOT NULL,
    outcome      TEXT    NOT NULL, -- acted | recorded | ignored
    event        TEXT    NOT NULL, -- canonical JSON
    UNIQUE (vendor, event_id)
);
CREATE INDEX inbound_events_call ON inbound_events (vendor, call_id);

-- Per-call state the playbook needs across events (caller, platform ids, fired triggers).
CREATE TABLE call_sessions (
    vendor      TEXT NOT NULL,
    call_id     TEXT NOT NULL,
    state       TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (vendor, call_id)
);

-- One row per decision to escalate.
CREATE TABLE escalations (
    id             TEXT PRIMARY KEY,
    reference      TEXT NOT NULL UNIQUE,
    vendor         TEXT NOT NULL,
    call_id        TEXT NOT NULL,
    event_id       TEXT NOT NULL,
    tier           TEXT NOT NULL,
    team           TEXT NOT NULL,
    status         TEXT NOT NULL, -- open | transferred | callback_scheduled | stranded | dry_run | routed
    review_flag    BIGINT NOT NULL DEFAULT 1,
    decision       TEXT NOT NULL, -- JSON: triggers with rule ids, verbatim spans, utterance ids
    decided_at     TEXT NOT NULL
);
CREATE INDEX escalations_call ON escalations (vendor, call_id);

-- Append-only history of each escalation: what was decided, tried, and what happened.
CREATE TABLE escalation_steps (
    id             BIGSERIAL PRIMARY KEY,
    escalation_id  TEXT NOT NULL REFERENCES escalations (id),
    at             TEXT NOT NULL,
    step           TEXT NOT NULL,
    detail         TEXT NOT NULL
);
CREATE INDEX escalation_steps_escalation ON escalation_steps (escalation_id);

-- The outbox: actions to apply on the platform, leased by dispatcher workers.
CREATE TABLE actions (
    id               BIGSERIAL PRIMARY KEY,
    escalation_id    TEXT NOT NULL REFERENCES escalations (id),
    vendor           TEXT NOT NULL,
    call_id          TEXT NOT NULL,
    kind             TEXT NOT NULL,
    action           TEXT NOT NULL, -- JSON canonical action
    refs             TEXT NOT NULL, -- JSON platform ids known when decided
    status           TEXT NOT NULL, -- pending | leased | succeeded | failed | dead | dry_run
    attempts         BIGINT NOT NULL DEFAULT 0,
    max_attempts     BIGINT NOT NULL,
    next_attempt_at  BIGINT NOT NULL,
    locked_by        TEXT,
    locked_until     BIGINT,
    progress         TEXT NOT NULL DEFAULT '{}', -- JSON: steps already applied (never repeated)
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (escalation_id, kind)
);
CREATE INDEX actions_due ON actions (status, next_attempt_at);

-- Every attempt at every step of an action, with its outcome.
CREATE TABLE action_attempts (
    id           BIGSERIAL PRIMARY KEY,
    action_id    BIGINT NOT NULL REFERENCES actions (id),
    attempt      BIGINT NOT NULL,
    step         TEXT NOT NULL,
    at           TEXT NOT NULL,
    outcome      TEXT NOT NULL, -- ok | retryable | permanent | unknown | dry_run
    http_status  BIGINT,
    detail       TEXT NOT NULL
);
CREATE INDEX action_attempts_action ON action_attempts (action_id);
