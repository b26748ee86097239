//! End-to-end tests: the real service on a loopback port, with Genesys Cloud mocked by
//! wiremock at its real paths.

mod audit;
mod cloudtalk_actions;
mod genesys;
mod helpers;
mod ingress;
mod nextiva_actions;
mod replay;
mod reviews;
mod standard;
mod talkdesk_actions;
mod vendors;
