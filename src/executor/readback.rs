//! What a platform reports about a callback it holds, in the callback log's terms. The
//! platform's own word for the state is kept beside it in the log.

/// Where executors keep the platform's id for a callback it accepted (in the action's
/// progress), for the callback log.
pub const PLATFORM_CALLBACK_ID: &str = "platform_callback_id";

/// What became of a callback, as the platform reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reported {
    /// Not dialled yet (or being dialled).
    Waiting,
    /// Dialled, not reached; the platform tries again.
    Attempted,
    /// Someone took the callback and it ended.
    Completed,
    /// The platform gave up: attempts exhausted, invalid number, ended unanswered.
    Missed,
    /// Cancelled on the platform.
    Cancelled,
    /// The platform no longer has it.
    Gone,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readback {
    /// The platform's word for it, e.g. Talkdesk `EXHAUSTED`.
    pub state: String,
    pub reported: Reported,
}

impl Readback {
    pub fn new(state: impl Into<String>, reported: Reported) -> Self {
        Self {
            state: state.into(),
            reported,
        }
    }
}
