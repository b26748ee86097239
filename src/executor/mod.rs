//! Carries out one claimed action on its platform, step by step, reporting each step's
//! outcome. Steps already applied by an earlier attempt (kept in `progress`) are skipped.

mod genesys;

use escalator_adapters::outbound::CallError;
use escalator_adapters::{Action, Destination, SpeakTo, Vendor};

pub use genesys::GenesysExecutor;

use crate::store::{ClaimedAction, Store, StoreError};

/// Saves an action's progress mid-attempt, before a request whose effect cannot be
/// repeated, so a crash after sending it is reconciled instead of repeated.
pub struct Checkpoint<'a> {
    pub store: &'a Store,
    pub worker: &'a str,
}

impl Checkpoint<'_> {
    pub async fn save(&self, action: &ClaimedAction) -> Result<(), StoreError> {
        self.store
            .save_progress(action, self.worker)
            .await
            .map(drop)
    }
}

/// One request (or planned request, in dry-run) and how it went.
#[derive(Debug, Clone)]
pub struct StepReport {
    pub step: &'static str,
    pub outcome: &'static str,
    pub http_status: Option<u16>,
    pub detail: String,
}

#[derive(Debug, Default)]
pub struct Report {
    pub steps: Vec<StepReport>,
}

impl Report {
    pub(crate) fn ok(&mut self, step: &'static str, detail: impl Into<String>) {
        self.steps.push(StepReport {
            step,
            outcome: "ok",
            http_status: None,
            detail: detail.into(),
        });
    }

    pub(crate) fn failed(&mut self, step: &'static str, error: &CallError) {
        let outcome = match error {
            CallError::Retryable { .. } => "retryable",
            CallError::Permanent { .. } | CallError::Unactionable(_) => "permanent",
            CallError::Transport(_) => "unknown",
        };
        self.steps.push(StepReport {
            step,
            outcome,
            http_status: error.status(),
            detail: error.to_string(),
        });
    }
}

/// The action was carried out; `escalation_status` is what the escalation is now.
#[derive(Debug, Clone)]
pub struct Done {
    /// `None` leaves the escalation's status as it is (guidance beside a transfer).
    pub escalation_status: Option<&'static str>,
    pub detail: String,
}

/// Platform clients by vendor; a vendor without credentials runs in dry-run.
#[derive(Default)]
pub struct Executors {
    pub genesys: Option<GenesysExecutor>,
}

pub enum Outcome {
    Done(Done),
    DryRun(String),
    Failed(CallError),
}

impl Executors {
    pub async fn execute(
        &self,
        action: &mut ClaimedAction,
        report: &mut Report,
        checkpoint: &Checkpoint<'_>,
    ) -> Outcome {
        match (action.vendor, &self.genesys) {
            (Vendor::Genesys, Some(g)) => match g.execute(action, report, checkpoint).await {
                Ok(done) => Outcome::Done(done),
                Err(e) => Outcome::Failed(e),
            },
            _ => {
                let plan = describe(&action.action);
                report.steps.push(StepReport {
                    step: "dry_run",
                    outcome: "dry_run",
                    http_status: None,
                    detail: plan.clone(),
                });
                Outcome::DryRun(plan)
            }
        }
    }
}

/// What an action would do, for dry-run records and `replay`.
pub fn describe(action: &Action) -> String {
    let place = |d: &Destination| match d {
        Destination::Queue { id, name } => match name {
            Some(n) => format!("queue {n} ({id})"),
            None => format!("queue {id}"),
        },
        Destination::Agent { id } => format!("agent {id}"),
        Destination::Address { address } => format!("address {address}"),
        Destination::Unmapped => "no destination configured".to_string(),
    };
    match action {
        Action::WarmTransfer {
            target,
            briefing,
            speak_to,
        } => format!(
            "DRY RUN: would brief and warm-transfer ({}) to team {} at {}, reference {}",
            match speak_to {
                SpeakTo::Destination => "consult, caller waits",
                SpeakTo::Conference => "conference, caller stays on the line",
            },
            target.team,
            place(&target.destination),
            briefing.reference
        ),
        Action::BlindTransfer { target } => format!(
            "DRY RUN: would transfer to team {} at {}",
            target.team,
            place(&target.destination)
        ),
        Action::ScheduleCallback {
            target, briefing, ..
        } => format!(
            "DRY RUN: would schedule a callback for team {} at {}, reference {}",
            target.team,
            place(&target.destination),
            briefing.reference
        ),
        Action::AttachBriefing { briefing } => {
            format!("DRY RUN: would attach briefing {}", briefing.reference)
        }
        Action::AgentGuidance { .. } => "DRY RUN: would show guidance to the agent".to_string(),
    }
}
