//! CloudTalk: not built yet (see `shared/vendors/cloudtalk.md`).
