-- The Supervisor Callback Log's issue summary: what the call was about, in the caller's own
-- earlier words, as the escalation's briefing chose it (extractive). Commitments recorded
-- before it existed have none.
ALTER TABLE callbacks ADD COLUMN issue_summary TEXT;
