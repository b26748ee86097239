//! End-to-end tests: the real service on a loopback port, with Genesys Cloud mocked by
//! wiremock at its real paths.

mod five9_actions;
mod genesys;
mod helpers;
mod ingress;
mod replay;
mod standard;
mod vendors;
