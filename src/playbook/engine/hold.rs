//! `long_hold`: a hold longer than the playbook's `hold_seconds`, noticed on an event or,
//! while the hold lasts, when the store's hold watch is due (`crate::hold_watch`).

use jiff::Timestamp;

use super::{Engine, SUPERVISOR};
use crate::playbook::{Decision, FiredTrigger, TriggerKind};
use crate::session::CallSession;

impl Engine {
    /// `long_hold` when the caller has been (or just was) on hold for longer than
    /// `hold_seconds` as of `at`.
    pub(super) fn long_hold_trigger(
        &self,
        session: &CallSession,
        at: Timestamp,
    ) -> Option<FiredTrigger> {
        let held_ms = session.hold_ms_at(at)?;
        (held_ms / 1000 > self.file.thresholds.hold_seconds).then(|| FiredTrigger {
            kind: TriggerKind::LongHold,
            rule_id: "hold.long".to_string(),
            team: SUPERVISOR.to_string(),
            span: None,
            quote: Some(format!("on hold for {} s", held_ms / 1000)),
            utterance_id: None,
            at,
            semantic: None,
        })
    }

    /// The decision on a hold still under way at `at` (the store's hold watch, when due):
    /// the same as an event arriving then would give. `None` also when the hold is not yet
    /// long enough; [`Engine::long_hold_after`] says how long that takes.
    pub fn decide_hold(&self, session: &mut CallSession, at: Timestamp) -> Option<Decision> {
        session.hold_started_at?;
        let trigger = self.long_hold_trigger(session, at)?;
        self.conclude(session, vec![trigger])
    }

    /// How long a hold may last before `long_hold` fires.
    pub fn long_hold_after(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.file.thresholds.hold_seconds)
    }
}
