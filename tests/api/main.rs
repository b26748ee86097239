//! End-to-end tests: the real service on a loopback port, with every platform's API mocked
//! by wiremock at its real paths.

mod admin;
mod audit;
mod callback_log;
mod cloudtalk_actions;
mod conversations;
mod conversations_cloudtalk;
mod conversations_five9;
mod conversations_nextiva;
mod crash_points;
mod decisions;
mod faults;
mod five9_actions;
mod genesys;
mod group_commit;
mod helpers;
mod hostile;
mod ingress;
mod lifecycle;
mod logs;
mod long_hold;
mod metrics;
mod nextiva_actions;
mod reconcile;
mod replay;
mod reviews;
mod scheduler;
mod semantic;
mod standard;
mod talkdesk_actions;
mod vendors;
