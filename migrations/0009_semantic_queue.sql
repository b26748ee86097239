-- Customer final utterances awaiting their semantic score. A row is written in the
-- transaction that commits its delivery (only while a scorer is loaded) and deleted in the
-- one that applies its score, so each takes effect once across crashes and replicas.
-- Workers lease rows as they lease actions.
CREATE TABLE semantic_queue (
    id                  INTEGER PRIMARY KEY,
    vendor              TEXT    NOT NULL,
    call_id             TEXT    NOT NULL,
    event_id            TEXT    NOT NULL,
    utterance_id        TEXT    NOT NULL,
    text                TEXT    NOT NULL,
    occurred_at         TEXT    NOT NULL,
    platform_sentiment  INTEGER NOT NULL, -- 1: the call had platform sentiment; anger is not scored
    enqueued_ms         INTEGER NOT NULL,
    attempts            INTEGER NOT NULL DEFAULT 0,
    locked_by           TEXT,
    locked_until        INTEGER,
    UNIQUE (vendor, event_id)
);
CREATE INDEX semantic_queue_enqueued ON semantic_queue (enqueued_ms);
