-- Why a commitment has no window (unknown callee place, no lawful time before the policy
-- deadline...), so the supervisor it is escalated to at once sees why; and the policy
-- deadline itself, stored and shown beside the window. Older commitments have neither.
ALTER TABLE callbacks ADD COLUMN no_window_reason TEXT;
ALTER TABLE callbacks ADD COLUMN deadline TEXT;
