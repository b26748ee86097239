//! Escalator: receives contact-center call events, applies the escalation playbook, and
//! makes the platform carry it out.

pub mod admin_cli;
pub mod app;
pub mod briefing;
pub mod callbacks;
pub mod classify;
pub mod cli;
pub mod config;
pub mod dispatcher;
pub mod executor;
pub mod healthcheck;
pub mod hold_watch;
pub mod http;
pub mod ingest;
pub mod intake;
pub mod loadgen;
pub mod orchestrator;
pub mod playbook;
pub mod reconcile;
pub mod redact;
pub mod reference;
pub mod registration;
pub mod replay;
pub mod review;
pub mod scheduler;
pub mod semantic;
pub mod session;
pub mod store;
pub mod telemetry;
pub mod templates;
