//! The one rule for platform requests whose effect must not happen twice (a consult, a
//! transfer, a callback or a record created): the request is marked as possibly sent, and
//! the mark saved, before it goes out. An answer that leaves the outcome unknown (no answer,
//! a 5xx after sending, a 2xx without the id) keeps the mark, and the next attempt reads
//! the platform before anything is sent again:
//! - the read shows the effect: the action is done, nothing is sent;
//! - the read shows it absent: the mark is cleared and the request may go out again;
//! - the read fails: the next attempt reads again (a read is safe to repeat);
//! - the read cannot decide, or the platform has no read: the action is parked as
//!   [`CallError::Uncertain`] — alerted, the chain's fallback follows, never sent again.
//!
//! An action whose attempts run out with a mark still set is parked the same way by the
//! dispatcher ([`in_doubt`]).

use escalator_adapters::outbound::CallError;
use serde_json::{Map, Value};

use super::{Checkpoint, Report};
use crate::store::ClaimedAction;

/// Every mark's progress key ends so, which is how [`in_doubt`] finds them.
const MARK_SUFFIX: &str = "_uncertain";

/// One request that must not be repeated: the progress key marking it as possibly sent,
/// and the step its attempts are recorded under.
#[derive(Debug, Clone, Copy)]
pub struct OnceRequest {
    mark: &'static str,
    step: &'static str,
}

/// What a read of the platform found about an earlier request of unknown outcome.
#[derive(Debug)]
pub enum Seen<T> {
    /// It took effect; `T` is what it made (an id, a detail).
    Applied(T),
    /// The platform shows it did not: sending it again is safe.
    Absent,
    /// The read cannot tell (why, for the record).
    Undecided(String),
}

/// Whether an earlier attempt of this action left a request's outcome unknown.
pub fn in_doubt(progress: &Map<String, Value>) -> bool {
    progress
        .iter()
        .any(|(k, v)| k.ends_with(MARK_SUFFIX) && v.as_bool() == Some(true))
}

impl OnceRequest {
    /// `mark` must end in `_uncertain` (checked by the tests of each executor's keys).
    pub const fn new(mark: &'static str, step: &'static str) -> Self {
        Self { mark, step }
    }

    pub fn mark_key(&self) -> &'static str {
        self.mark
    }

    /// An earlier attempt sent this request without learning the outcome.
    pub fn in_doubt(&self, claimed: &ClaimedAction) -> bool {
        claimed.progress.get(self.mark).and_then(Value::as_bool) == Some(true)
    }

    /// What a read after an unknown outcome decides: `Ok(Some(_))` the earlier request
    /// took effect (the mark is cleared: nothing to send); `Ok(None)` it did not (cleared:
    /// send it); `Err` the read failed (the mark stays; the next attempt reads again) or
    /// could not decide (parked as uncertain).
    pub fn reconcile<T>(
        &self,
        claimed: &mut ClaimedAction,
        report: &mut Report,
        read: Result<Seen<T>, CallError>,
    ) -> Result<Option<T>, CallError> {
        match read {
            Ok(Seen::Applied(t)) => {
                claimed.progress.remove(self.mark);
                Ok(Some(t))
            }
            Ok(Seen::Absent) => {
                report.ok(
                    "reconcile",
                    format!("the earlier {} did not take effect; sending it", self.step),
                );
                claimed.progress.remove(self.mark);
                Ok(None)
            }
            Ok(Seen::Undecided(why)) => Err(self.park(report, "reconcile", &why)),
            Err(e) if e.is_permanent() => {
                report.failed("reconcile", &e);
                let why = format!("the platform could not be read ({e})");
                Err(self.park(report, "reconcile", &why))
            }
            Err(e) => {
                report.failed("reconcile", &e);
                Err(e)
            }
        }
    }

    /// The earlier request's outcome is unknown and the platform has no read that could
    /// tell: parked, never sent again.
    pub fn unreadable(&self, report: &mut Report) -> CallError {
        self.park(
            report,
            self.step,
            "the platform has no read that could tell",
        )
    }

    /// Saves the mark before the request goes out, so a crash after sending is reconciled
    /// instead of repeated. Nothing may be sent when this fails.
    pub async fn mark(
        &self,
        claimed: &mut ClaimedAction,
        report: &mut Report,
        checkpoint: &Checkpoint<'_>,
    ) -> Result<(), CallError> {
        claimed.progress.insert(self.mark.into(), Value::Bool(true));
        if let Err(e) = checkpoint.save(claimed).await {
            claimed.progress.remove(self.mark);
            let e = CallError::Transport(format!(
                "could not save progress before the {}: {e}",
                self.step
            ));
            report.failed(self.step, &e);
            return Err(e);
        }
        Ok(())
    }

    /// After the request: a definite answer clears the mark; an unknown one keeps it and is
    /// recorded as `unknown` (with the status, for a 5xx). A failure is recorded under the
    /// step; a success is the caller's to record.
    pub fn settle<T>(
        &self,
        claimed: &mut ClaimedAction,
        report: &mut Report,
        result: Result<T, CallError>,
    ) -> Result<T, CallError> {
        match &result {
            Err(e) if e.may_have_applied() => report.unknown(self.step, e),
            Err(e) => {
                claimed.progress.remove(self.mark);
                report.failed(self.step, e);
            }
            Ok(_) => {
                claimed.progress.remove(self.mark);
            }
        }
        result
    }

    fn park(&self, report: &mut Report, step: &'static str, why: &str) -> CallError {
        let e = CallError::Uncertain(format!(
            "the {} may already have been applied and {why}; it is not sent again",
            self.step
        ));
        report.failed(step, &e);
        e
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn only_a_set_mark_is_in_doubt() {
        let progress = |v: Value| v.as_object().cloned().unwrap_or_default();
        assert!(in_doubt(&progress(json!({"consult_uncertain": true}))));
        assert!(!in_doubt(&progress(json!({"consult_uncertain": false}))));
        assert!(!in_doubt(&progress(json!({"briefed": true}))));
    }

    #[test]
    fn a_5xx_or_silence_may_have_applied_a_refusal_did_not() {
        let retry = |status| CallError::Retryable {
            status,
            retry_after: None,
            message: String::new(),
        };
        assert!(CallError::Transport("timed out".into()).may_have_applied());
        assert!(retry(503).may_have_applied());
        assert!(retry(500).may_have_applied());
        assert!(!retry(429).may_have_applied());
        assert!(!retry(401).may_have_applied());
        assert!(!retry(0).may_have_applied());
        assert!(!CallError::Permanent {
            status: 400,
            message: String::new()
        }
        .may_have_applied());
    }
}
