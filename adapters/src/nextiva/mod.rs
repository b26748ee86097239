//! Nextiva Contact Center: not built yet (see `shared/vendors/nextiva.md`).
