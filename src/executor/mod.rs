//! Carries out one claimed action on its platform, step by step, reporting each step's
//! outcome. Steps already applied by an earlier attempt (kept in `progress`) are skipped.

mod alert;
mod cloudtalk;
pub mod confirm;
mod five9;
mod genesys;
mod local;
mod nextiva;
pub mod once;
mod readback;
mod talkdesk;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use escalator_adapters::outbound::CallError;
use escalator_adapters::{Action, Destination, SpeakTo, Vendor};

pub use alert::AlertSink;
pub use cloudtalk::client as cloudtalk_client;
pub use genesys::GenesysExecutor;
pub use local::LocalExecutor;
pub use readback::{Readback, Reported, PLATFORM_CALLBACK_ID};

/// Progress key an executor sets when its read of the call showed an agent on it: the
/// call is past its flow, so the fallback skips the routing hook even before the
/// platform's own event says so.
pub const AGENT_ON_CALL: &str = "agent_on_call";

use crate::config::{Config, Secrets};
use crate::store::{ClaimedAction, Store, StoreError};

/// The executors of every platform whose API credentials are configured (the others run
/// in dry-run), and the clients other parts of the service share with them.
pub struct Platforms {
    pub executors: BTreeMap<Vendor, Arc<dyn PlatformExecutor>>,
    /// Also dials Escalator-held CloudTalk callbacks at their window.
    pub cloudtalk: Option<Arc<escalator_adapters::cloudtalk::CloudTalkClient>>,
}

pub fn platform_executors(
    config: &Config,
    secrets: &Secrets,
    http: &reqwest::Client,
) -> Result<Platforms, String> {
    let mut out: BTreeMap<Vendor, Arc<dyn PlatformExecutor>> = BTreeMap::new();
    if let Some(g) = GenesysExecutor::build(config, secrets, http)? {
        out.insert(Vendor::Genesys, Arc::new(g));
    }
    let others = [
        (Vendor::Talkdesk, talkdesk::build(config, secrets, http)?),
        (Vendor::Five9, five9::build(config, secrets, http)?),
        (Vendor::Nextiva, nextiva::build(config, secrets, http)?),
    ];
    for (vendor, executor) in others {
        if let Some(e) = executor {
            out.insert(vendor, Arc::from(e));
        }
    }
    let cloudtalk = cloudtalk::client(config, secrets, http)?;
    if let Some(client) = &cloudtalk {
        out.insert(
            Vendor::Cloudtalk,
            Arc::from(cloudtalk::build_on(config, client.clone())?),
        );
    }
    Ok(Platforms {
        executors: out,
        cloudtalk,
    })
}

/// Saves an action's progress mid-attempt, before a request whose effect cannot be
/// repeated, so a crash after sending it is reconciled instead of repeated.
pub struct Checkpoint<'a> {
    pub store: &'a Store,
    pub worker: &'a str,
}

impl Checkpoint<'_> {
    /// Fails with [`StoreError::LeaseLost`] when another worker took the action over: the
    /// mark was not saved, and the request must not go out from here (the holder sends it).
    pub async fn save(&self, action: &ClaimedAction) -> Result<(), StoreError> {
        match self.store.save_progress(action, self.worker).await? {
            true => Ok(()),
            false => Err(StoreError::LeaseLost),
        }
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
            CallError::Uncertain(_) => "uncertain",
        };
        self.steps.push(StepReport {
            step,
            outcome,
            http_status: error.status(),
            detail: error.to_string(),
        });
    }

    /// A request that may have been applied although no success came back (see
    /// [`once`]): recorded as `unknown`, with the status when the platform gave one.
    pub(crate) fn unknown(&mut self, step: &'static str, error: &CallError) {
        self.steps.push(StepReport {
            step,
            outcome: "unknown",
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

/// Carries out actions on one platform through its API.
#[async_trait::async_trait]
pub trait PlatformExecutor: Send + Sync {
    /// Carries out `claimed`, recording each request in `report`. Steps that must not be
    /// repeated are kept in `claimed.progress` (saved through `checkpoint` before a
    /// request whose effect is not idempotent), and an earlier uncertain attempt is
    /// reconciled by reading the platform's state first.
    async fn execute(
        &self,
        claimed: &mut ClaimedAction,
        report: &mut Report,
        checkpoint: &Checkpoint<'_>,
    ) -> Result<Done, CallError>;

    /// What the platform reports about a callback it holds under `platform_ref` (the id
    /// kept under [`PLATFORM_CALLBACK_ID`]); `Ok(None)` where its API cannot say.
    async fn read_callback(&self, _platform_ref: &str) -> Result<Option<Readback>, CallError> {
        Ok(None)
    }

    /// Where the consult placed on `claimed`'s call stands; `Ok(None)` where the API
    /// cannot say (its events are then the only source).
    async fn consult_state(
        &self,
        _claimed: &ClaimedAction,
    ) -> Result<Option<confirm::ConsultState>, CallError> {
        Ok(None)
    }

    /// Cancels the consult running on `claimed`'s call, putting the caller back with the
    /// agent; `Ok(false)` where the platform cannot.
    async fn cancel_consult(&self, _claimed: &ClaimedAction) -> Result<bool, CallError> {
        Ok(false)
    }
}

/// Platform clients by vendor (a vendor without credentials runs in dry-run), and the
/// links Escalator carries out itself.
pub struct Executors {
    pub platforms: BTreeMap<Vendor, Arc<dyn PlatformExecutor>>,
    pub local: LocalExecutor,
}

pub enum Outcome {
    Done(Done),
    DryRun(String),
    /// Look again after this long (an armed routing-hook answer), without counting an
    /// attempt.
    Wait(Duration, String),
    Failed(CallError),
}

impl Executors {
    pub fn new(local: LocalExecutor) -> Self {
        Self {
            platforms: BTreeMap::new(),
            local,
        }
    }

    pub fn with(mut self, vendor: Vendor, executor: Box<dyn PlatformExecutor>) -> Self {
        self.platforms.insert(vendor, Arc::from(executor));
        self
    }

    pub async fn execute(
        &self,
        action: &mut ClaimedAction,
        report: &mut Report,
        checkpoint: &Checkpoint<'_>,
    ) -> Outcome {
        if LocalExecutor::handles(&action.action) {
            return self.local.execute(action, report).await;
        }
        if let Action::ConfirmTransfer { .. } = action.action {
            let platform = self.platforms.get(&action.vendor).map(|p| p.as_ref());
            return match confirm::confirm_transfer(checkpoint.store, platform, action, report).await
            {
                Ok(done) => Outcome::Done(done),
                Err(e) => Outcome::Failed(e),
            };
        }
        match self.platforms.get(&action.vendor) {
            Some(p) => match p.execute(action, report, checkpoint).await {
                Ok(done) => {
                    // A callback the platform holds is still Escalator's commitment: the
                    // callback log is the source of truth either way.
                    if matches!(action.action, Action::ScheduleCallback { .. }) {
                        self.local.log_platform_callback(action, report).await;
                    }
                    Outcome::Done(done)
                }
                Err(e) => Outcome::Failed(e),
            },
            None => {
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
        Action::BlindTransfer { target, .. } => format!(
            "DRY RUN: would transfer to team {} at {}",
            target.team,
            place(&target.destination)
        ),
        Action::AssistedTransfer {
            target, briefing, ..
        } => format!(
            "DRY RUN: would show the agent briefing {} and ask them to transfer warm to team {} at {}",
            briefing.reference,
            target.team,
            place(&target.destination)
        ),
        Action::RouteOnHook { target, briefing } => format!(
            "DRY RUN: would answer the call's next routing-hook request with team {} at {}, reference {}",
            target.team,
            place(&target.destination),
            briefing.reference
        ),
        Action::NamedCallback {
            target, briefing, ..
        } => format!(
            "would record named callback {} for team {}",
            briefing.reference, target.team
        ),
        Action::SupervisorAlert { team, reason, .. } => {
            format!("would alert team {team}'s supervisor ({})", reason.as_str())
        }
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
        Action::ConfirmTransfer {
            target,
            answer_within_s,
            ..
        } => format!(
            "would check that team {} answered the consult within {answer_within_s} s",
            target.team
        ),
    }
}
