//! `escalator webhooks register|list|remove <vendor>` end to end: the built binary, its
//! environment cleared and set like a real shell, against wiremock servers standing in
//! for each platform at the vendor's real paths (shared/vendors/<vendor>.md).

#[path = "cli_webhooks/support.rs"]
mod support;

#[path = "cli_webhooks/genesys.rs"]
mod genesys;

#[path = "cli_webhooks/talkdesk.rs"]
mod talkdesk;

#[path = "cli_webhooks/five9.rs"]
mod five9;

#[path = "cli_webhooks/nextiva.rs"]
mod nextiva;

#[path = "cli_webhooks/cloudtalk.rs"]
mod cloudtalk;
