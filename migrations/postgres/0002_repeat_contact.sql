-- Repeat-contact detection: who called, and when, as comparable values.
ALTER TABLE inbound_events ADD COLUMN caller_number TEXT;
ALTER TABLE inbound_events ADD COLUMN occurred_ms BIGINT;
CREATE INDEX inbound_events_caller ON inbound_events (vendor, caller_number, kind, occurred_ms);
