//! Five9: not built yet (see `shared/vendors/five9.md`).
