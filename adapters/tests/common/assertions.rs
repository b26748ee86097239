//! What every client must get right whatever the platform: how an error is classified, that
//! no error shows a credential, and that a request refused before sending never left.

use std::fmt::Debug;

use escalator_adapters::outbound::CallError;
use wiremock::MockServer;

/// `err` is retryable with HTTP `status`.
#[track_caller]
pub fn assert_retryable(err: &CallError, status: u16) {
    assert!(
        matches!(err, CallError::Retryable { status: s, .. } if *s == status),
        "want retryable {status}, got {err:?}"
    );
}

/// `err` is permanent with HTTP `status`.
#[track_caller]
pub fn assert_permanent(err: &CallError, status: u16) {
    assert!(
        matches!(err, CallError::Permanent { status: s, .. } if *s == status),
        "want permanent {status}, got {err:?}"
    );
}

/// The request may have reached the platform: the outcome is unknown.
#[track_caller]
pub fn assert_transport(err: &CallError) {
    assert!(
        matches!(err, CallError::Transport(_)),
        "want transport, got {err:?}"
    );
}

/// The client refused to build the request.
#[track_caller]
pub fn assert_unactionable<T: Debug>(result: Result<T, CallError>) {
    assert!(
        matches!(result, Err(CallError::Unactionable(_))),
        "want unactionable, got {result:?}"
    );
}

/// Neither the Display nor the Debug form of `err` shows any of `secrets`.
#[track_caller]
pub fn assert_hides(err: &CallError, secrets: &[&str]) {
    for shown in [err.to_string(), format!("{err:?}")] {
        for secret in secrets {
            assert!(!shown.contains(secret), "{secret} shown in {shown}");
        }
    }
}

/// None of `servers` received a request.
pub async fn assert_nothing_sent(servers: &[&MockServer]) {
    for server in servers {
        let received = server
            .received_requests()
            .await
            .expect("request recording is on");
        assert!(received.is_empty(), "sent {received:?}");
    }
}

/// How many requests `server` received at `path`.
pub async fn requests_to(server: &MockServer, path: &str) -> usize {
    server
        .received_requests()
        .await
        .expect("request recording is on")
        .iter()
        .filter(|r| r.url.path() == path)
        .count()
}
