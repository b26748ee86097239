-- PostgreSQL twin of ../0007_callback_holder.sql.
-- Who holds a commitment: `escalator` for its own named callbacks, else the platform that
-- was asked to place it (its outcome is reconciled into this log).
ALTER TABLE callbacks ADD COLUMN held_by TEXT NOT NULL DEFAULT 'escalator';
