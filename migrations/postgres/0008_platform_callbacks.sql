-- Callbacks a platform holds: the platform's own id for it, the last state read back from
-- the platform (so each change is recorded once), when it was last read, and the platform
-- call that carried it out.
ALTER TABLE callbacks ADD COLUMN platform_ref TEXT;
ALTER TABLE callbacks ADD COLUMN platform_status TEXT;
ALTER TABLE callbacks ADD COLUMN platform_checked_ms BIGINT;
ALTER TABLE callbacks ADD COLUMN platform_call_id TEXT;
CREATE INDEX callbacks_held ON callbacks (held_by, status);
CREATE INDEX callbacks_number ON callbacks (number);
CREATE INDEX callbacks_platform_call ON callbacks (held_by, platform_call_id);
-- The calling-hours region the window was computed for (e.g. US-FL), beside its zones, so a
-- person's reschedule is checked against the same place (from the address when known).
ALTER TABLE callbacks ADD COLUMN region TEXT;
