//! The inbound pipeline shared by the HTTP edge and `replay`: verify the raw bytes,
//! normalize, then record and decide in one transaction (shared with the deliveries that
//! arrived at the same time: [`commit`]).

mod commit;

use std::sync::Arc;

use escalator_adapters::auth::AuthError;
use escalator_adapters::{
    Briefing, CallEvent, Caller, Delivery, EventKind, NormalizeError, RouteAnswer, Speaker,
    Utterance, Vendor,
};
use jiff::Timestamp;
use serde::Serialize;
use tokio::sync::Notify;

use crate::orchestrator::Orchestrator;
use crate::playbook::{Decision, PlaybookHandle, TriggerKind};
use crate::semantic::ScoringIntake;
use crate::store::{scored_utterance, EventOutcome, ScoreIntake, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("no adapter for vendor {0:?}")]
    UnknownVendor(String),
    #[error("vendor {0} is disabled in the configuration")]
    VendorDisabled(Vendor),
    #[error("{0} has no routing hook")]
    NoRoutingHook(Vendor),
    #[error("{0}")]
    Unauthorized(AuthError),
    #[error("no credentials are configured for {0} deliveries")]
    NoInboundCredentials(Vendor),
    #[error(transparent)]
    Malformed(#[from] NormalizeError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The store could not write this delivery.
    #[error(transparent)]
    Commit(commit::CommitError),
}

pub use crate::intake::InboundAuths;

/// Cheap to clone: the HTTP edge clones it for every request.
#[derive(Clone)]
pub struct Pipeline(Arc<Parts>);

struct Parts {
    store: Store,
    playbook: PlaybookHandle,
    orchestrator: Orchestrator,
    auths: InboundAuths,
    enabled: Vec<Vendor>,
    default_queue: Option<String>,
    wake: Arc<Notify>,
    /// Writes deliveries, batching those that arrive together.
    writer: commit::GroupCommit,
    scoring: Option<ScoringIntake>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EventReport {
    pub event_id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub call_id: String,
    pub outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeliveryReport {
    pub events: Vec<EventReport>,
    #[serde(skip)]
    pub normalized: Vec<CallEvent>,
    #[serde(skip)]
    pub decisions: Vec<(Decision, crate::store::Planned)>,
}

impl Pipeline {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: Store,
        playbook: PlaybookHandle,
        orchestrator: Orchestrator,
        auths: InboundAuths,
        enabled: Vec<Vendor>,
        default_queue: Option<String>,
        wake: Arc<Notify>,
    ) -> Self {
        Self::with_scoring(
            store,
            playbook,
            orchestrator,
            auths,
            enabled,
            default_queue,
            wake,
            None,
        )
    }

    /// [`Pipeline::new`]; with `scoring` (a scorer is loaded), customer final utterances
    /// are queued for the semantic layer in the transaction that commits them.
    #[allow(clippy::too_many_arguments)]
    pub fn with_scoring(
        store: Store,
        playbook: PlaybookHandle,
        orchestrator: Orchestrator,
        auths: InboundAuths,
        enabled: Vec<Vendor>,
        default_queue: Option<String>,
        wake: Arc<Notify>,
        scoring: Option<ScoringIntake>,
    ) -> Self {
        let writer = commit::GroupCommit::start(commit::Decider {
            store: store.clone(),
            playbook: playbook.clone(),
            orchestrator: orchestrator.clone(),
            scoring: scoring.clone(),
        });
        Self(Arc::new(Parts {
            store,
            playbook,
            orchestrator,
            auths,
            enabled,
            default_queue,
            wake,
            writer,
            scoring,
        }))
    }

    pub fn store(&self) -> &Store {
        &self.0.store
    }

    /// The vendor named in a path, if Escalator has an adapter for it and it is enabled.
    pub fn vendor(&self, name: &str) -> Result<Vendor, IngestError> {
        let vendor: Vendor = name
            .parse()
            .map_err(|_| IngestError::UnknownVendor(name.to_string()))?;
        if !self.0.enabled.contains(&vendor) {
            return Err(IngestError::VendorDisabled(vendor));
        }
        Ok(vendor)
    }

    /// Checks the delivery's credentials against the raw request, before anything is
    /// parsed.
    pub fn verify(&self, vendor: Vendor, delivery: &Delivery<'_>) -> Result<(), IngestError> {
        let auth = self
            .0
            .auths
            .get(&vendor)
            .ok_or(IngestError::NoInboundCredentials(vendor))?;
        auth.verify(delivery).map_err(IngestError::Unauthorized)
    }

    /// Normalizes an authenticated delivery and commits it; returns once it is durable.
    pub async fn deliver(
        &self,
        vendor: Vendor,
        delivery: &Delivery<'_>,
    ) -> Result<DeliveryReport, IngestError> {
        let events = escalator_adapters::normalize(vendor, delivery)?;
        let commit::Committed {
            events,
            outcomes,
            decisions,
        } = self
            .0
            .writer
            .commit(events)
            .await
            .map_err(IngestError::Commit)?;
        if decisions.iter().any(|(_, p)| !p.actions.is_empty()) {
            self.0.wake.notify_one();
        }
        let reports = events
            .iter()
            .zip(&outcomes)
            .map(|(e, o)| EventReport {
                event_id: e.event_id.clone(),
                kind: e.kind.name(),
                call_id: e.call_id.clone(),
                outcome: o.as_str(),
                reference: match o {
                    EventOutcome::Escalated { reference, .. } => Some(reference.clone()),
                    _ => None,
                },
            })
            .collect();
        for (d, p) in &decisions {
            metrics::counter!("escalator_escalations_total", "trigger" => d.primary().kind.as_str(), "tier" => d.tier.as_str(), "review" => if p.review { "flagged" } else { "not_flagged" })
                .increment(1);
        }
        for (e, o) in events.iter().zip(&outcomes) {
            metrics::counter!("escalator_events_total", "vendor" => vendor.as_str(), "outcome" => o.as_str(), "type" => e.kind.name())
                .increment(1);
        }
        Ok(DeliveryReport {
            events: reports,
            normalized: events,
            decisions,
        })
    }

    /// Answers a synchronous routing request: where this call goes now, and why.
    pub async fn route(
        &self,
        vendor: Vendor,
        delivery: &Delivery<'_>,
    ) -> Result<RouteAnswer, IngestError> {
        if vendor == Vendor::Standard {
            return Err(IngestError::NoRoutingHook(vendor));
        }
        let request = escalator_adapters::parse_route_request(vendor, delivery)?;
        if let Some(text) = &request.text {
            // What the caller said in the flow is an utterance like any other.
            let digest = short_digest(text);
            let event = CallEvent {
                vendor,
                call_id: request.call_id.clone(),
                event_id: format!("route:{}:{digest}", request.call_id),
                occurred_at: Timestamp::now(),
                caller: Caller {
                    number: request.caller_number.clone(),
                    ..Caller::default()
                },
                refs: Default::default(),
                kind: EventKind::Utterance(Utterance {
                    utterance_id: format!("route-{digest}"),
                    speaker: Speaker::Customer,
                    text: text.clone(),
                    is_final: true,
                    confidence: None,
                    language: request.language.clone(),
                }),
            };
            let playbook = self.0.playbook.current();
            let events = std::slice::from_ref(&event);
            let scoring = score_intake(self.0.scoring.as_ref(), &playbook);
            self.0
                .store
                .record_delivery_scored(
                    events,
                    timing(&playbook),
                    scoring,
                    |session, event, scored| {
                        let decision = playbook.decide_now(session, event, scored)?;
                        let orchestrator = &self.0.orchestrator;
                        // Alerts and reviews are sent as usual; the flow routes the rest.
                        Some(if decision.mode.is_escalate() {
                            orchestrator.plan_routed(decision)
                        } else {
                            orchestrator.plan(decision, session, event.vendor)
                        })
                    },
                )
                .await?;
            wake_scoring(self.0.scoring.as_ref(), scoring, events);
        }
        // An answer the fallback chain armed for this call: hand it over and let the
        // chain record that the flow took it.
        if let Some(armed) = self
            .0
            .store
            .take_armed_route(vendor, &request.call_id)
            .await?
        {
            let hard_stop =
                TriggerKind::parse(&armed.briefing.reason).is_some_and(|k| k.is_hard_stop());
            self.0.wake.notify_one();
            return Ok(RouteAnswer {
                escalate: true,
                team: Some(armed.team),
                destination: Some(armed.destination),
                priority: if hard_stop { 10 } else { 5 },
                briefing: Some(armed.briefing),
            });
        }
        let session = self.0.store.session(vendor, &request.call_id).await?;
        let Some(open) = session.escalation.clone() else {
            return Ok(RouteAnswer {
                escalate: false,
                team: None,
                // The default queue is a Genesys queue id; other flows keep their own route.
                destination: self
                    .0
                    .default_queue
                    .clone()
                    .filter(|_| vendor == Vendor::Genesys)
                    .map(|id| escalator_adapters::Destination::Queue { id, name: None }),
                priority: 0,
                briefing: None,
            });
        };
        let rows = self.0.store.escalations(vendor, &request.call_id).await?;
        let decision: Option<Decision> = rows
            .into_iter()
            .find(|r| r.id == open.id)
            .and_then(|r| serde_json::from_value(r.decision).ok());
        let hard_stop = decision
            .as_ref()
            .is_some_and(|d| d.primary().kind.is_hard_stop());
        let briefing = decision.map(|d| {
            let p = d.primary();
            Briefing {
                reference: open.reference.clone(),
                tier: d.tier.as_str().to_string(),
                reason: p.kind.as_str().to_string(),
                rule_id: p.rule_id.clone(),
                quote: p.quote.clone(),
                utterance_id: p.utterance_id.clone(),
                caller_name: session.caller.name.clone(),
                verified: session.caller.verified,
                context: crate::briefing::context(&session, &d),
            }
        });
        Ok(RouteAnswer {
            escalate: true,
            team: Some(open.team.clone()),
            destination: Some(self.0.orchestrator.target(&open.team, vendor).destination),
            priority: if hard_stop { 10 } else { 5 },
            briefing,
        })
    }
}

/// The routing answer in the shape the vendor's flow reads.
pub fn route_response(vendor: Vendor, answer: &RouteAnswer) -> serde_json::Value {
    escalator_adapters::route_response(vendor, answer)
}

/// Whether this playbook's utterances are queued: a scorer is loaded and the playbook has a
/// `[semantic]` policy (without one a score decides nothing).
fn score_intake(
    scoring: Option<&ScoringIntake>,
    playbook: &crate::playbook::Engine,
) -> Option<ScoreIntake> {
    scoring
        .filter(|_| playbook.semantic().is_some())
        .map(|s| s.intake)
}

/// Wakes the scoring pool after a commit that may have queued utterances.
fn wake_scoring<E: std::borrow::Borrow<CallEvent>>(
    scoring: Option<&ScoringIntake>,
    intake: Option<ScoreIntake>,
    events: &[E],
) {
    if let (Some(s), Some(_)) = (scoring, intake) {
        if events
            .iter()
            .any(|e| scored_utterance(e.borrow()).is_some())
        {
            s.wake.notify_one();
        }
    }
}

/// The playbook's times the store needs to record a delivery.
fn timing(playbook: &crate::playbook::Engine) -> crate::store::Timing {
    crate::store::Timing {
        repeat_window: std::time::Duration::from_secs(
            playbook.thresholds().repeat_contact_hours * 3600,
        ),
        long_hold: Some(playbook.long_hold_after()),
    }
}

fn short_digest(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}
