//! Talkdesk: not built yet (see `shared/vendors/talkdesk.md`).
