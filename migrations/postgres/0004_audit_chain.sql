-- Tamper evidence: escalation steps form one hash chain (each step's hash covers the
-- previous hash, its own content and, for a decision, the escalation's evidence). The head
-- row holds the last sequence number and hash, so records removed at the end are noticed,
-- and its row lock serialises appends across replicas.
ALTER TABLE escalation_steps ADD COLUMN prev_hash TEXT;
ALTER TABLE escalation_steps ADD COLUMN hash TEXT;

CREATE TABLE audit_head (
    id    BIGINT PRIMARY KEY CHECK (id = 1),
    seq   BIGINT NOT NULL,
    hash  TEXT            -- NULL until steps written before this migration are sealed
);
INSERT INTO audit_head (id, seq, hash)
SELECT 1, COALESCE(MAX(id), 0), NULL FROM escalation_steps;

-- Append-only in the database too: sealed steps cannot be changed, none can be deleted.
CREATE FUNCTION escalation_steps_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'escalation steps are append-only';
END;
$$;
CREATE TRIGGER escalation_steps_sealed BEFORE UPDATE ON escalation_steps
FOR EACH ROW WHEN (OLD.hash IS NOT NULL)
EXECUTE FUNCTION escalation_steps_append_only();
CREATE TRIGGER escalation_steps_kept BEFORE DELETE ON escalation_steps
FOR EACH ROW EXECUTE FUNCTION escalation_steps_append_only();
