//! Every metric family the service exports: its type and `# HELP` text, and the labelled
//! counters exported at 0 from the start, so `increase()` sees the first event after a
//! start (a series that first appears at 1 shows no rise) and "nothing happened" alerts
//! have a series to look at.

use escalator_adapters::Vendor;

use crate::config::{Config, INTAKE_VENDORS};
use crate::playbook::{Tier, TriggerKind};
use crate::review::ReviewOutcome;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Counter,
    Gauge,
    Histogram,
}

/// Name, type and help of every `escalator_*` family (docs/operations.md, "Metrics").
pub const FAMILIES: &[(&str, Family, &str)] = &[
    ("escalator_build_info", Family::Gauge, "Always 1; the version label names the running build."),
    ("escalator_events_total", Family::Counter, "Canonical events from accepted webhook deliveries, by vendor, outcome and event type."),
    ("escalator_ack_seconds", Family::Histogram, "Time from receiving a webhook delivery to answering 200."),
    ("escalator_commit_batch_deliveries", Family::Histogram, "Deliveries committed together in one database transaction."),
    ("escalator_actions_total", Family::Counter, "Action attempts settled by the dispatcher, by action kind and outcome."),
    ("escalator_supervisor_alerts_total", Family::Counter, "Supervisor alerts raised, by reason and urgency."),
    ("escalator_callbacks_overdue", Family::Gauge, "Callback commitments past their window with the caller not reached, at the scheduler's last pass."),
    ("escalator_callback_notifications_total", Family::Counter, "Callback reminders, overdue escalations and dials, by kind and outcome."),
    ("escalator_dead_letters_total", Family::Counter, "Actions given up after their last attempt, by action kind and vendor."),
    ("escalator_actions_uncertain_total", Family::Counter, "Platform requests parked because they may have been applied and could not be read back, by action kind and vendor."),
    ("escalator_callback_readbacks_total", Family::Counter, "Reads of callbacks a platform holds, by vendor and outcome."),
    ("escalator_escalations_total", Family::Counter, "Escalations decided, by primary trigger, tier and whether flagged for review."),
    ("escalator_callbacks_completed_total", Family::Counter, "Completed callbacks; kept=yes when the first attempt fell inside the window."),
    ("escalator_time_to_callback_seconds", Family::Histogram, "From the callback commitment to its first attempt, for completed callbacks."),
    ("escalator_reviews_total", Family::Counter, "Reviews recorded, by outcome."),
    ("escalator_named_callbacks_total", Family::Counter, "Callbacks Escalator recorded itself because no platform action reached the team."),
    ("escalator_hold_watches_fired_total", Family::Counter, "Holds that lasted past the playbook's threshold and were decided while the caller still waited."),
    ("escalator_escalations_stranded_total", Family::Counter, "Escalations whose fallback chain ran out with nothing planned after it: a person must take over."),
    ("escalator_ingress_throttled_total", Family::Counter, "Requests refused with 429 by the per-source ingress limit."),
    ("escalator_playbook_reloads_total", Family::Counter, "Playbook reloads, by outcome (ok, or rejected and the previous playbook kept)."),
    ("escalator_semantic_enabled", Family::Gauge, "1 when the semantic model is loaded, 0 when the service runs on the phrase rules alone."),
    ("escalator_semantic_scored_total", Family::Counter, "Customer utterances whose semantic score was applied."),
    ("escalator_semantic_skipped_total", Family::Counter, "Utterances the semantic layer did not score, by reason; the rules alone decided them."),
    ("escalator_semantic_queue_depth", Family::Gauge, "Utterances awaiting their semantic score (all replicas), read from the database at scrape."),
    ("escalator_semantic_score_seconds", Family::Histogram, "Time to score one utterance on its blocking thread."),
];

/// Gauges read from the database at each scrape and rendered with that scrape's answer
/// only (never through the recorder), so a scrape while the database is down shows
/// `escalator_store_up 0` and NaN, not the last value read.
pub fn render_database_gauges(outbox_depth: Option<i64>, reviews: Option<(i64, i64)>) -> String {
    let value = |v: Option<i64>| v.map_or("NaN".to_string(), |v| v.to_string());
    let up = outbox_depth.is_some() && reviews.is_some();
    let gauges = [
        ("escalator_store_up", "1 when this scrape read the database, 0 when it could not (the gauges read from it are then NaN).", if up { "1".to_string() } else { "0".to_string() }),
        ("escalator_outbox_depth", "Actions not yet finished (pending or leased), read from the database at scrape.", value(outbox_depth)),
        ("escalator_reviews_flagged", "Escalations flagged for QA review, read from the database at scrape.", value(reviews.map(|r| r.0))),
        ("escalator_reviews_done", "Flagged escalations that have a review, read from the database at scrape.", value(reviews.map(|r| r.1))),
    ];
    gauges
        .iter()
        .map(|(name, help, value)| {
            format!("# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n\n")
        })
        .collect()
}

/// `Action::kind()` of every action (adapters/src/model.rs).
pub const ACTION_KINDS: [&str; 18] = [
    "warm_transfer",
    "blind_transfer",
    "assisted_transfer",
    "route_on_hook",
    "named_callback",
    "alert_callback",
    "alert_chain_exhausted",
    "alert_caller_at_risk",
    "alert_semantic_review",
    "alert_transfer_unanswered",
    "alert_second_hard_stop",
    "alert_call_ended_at_risk",
    "confirm_transfer",
    "schedule_callback",
    "attach_briefing",
    "agent_guidance",
    "agent_guidance_callback",
    "agent_guidance_nobody_coming",
];

/// The dispatcher's outcome labels (src/dispatcher.rs).
pub const ACTION_OUTCOMES: [&str; 7] = [
    "succeeded",
    "waiting",
    "dry_run",
    "retrying",
    "failed",
    "dead",
    "uncertain",
];

/// `AlertReason::as_str()` of every reason.
pub const ALERT_REASONS: [&str; 7] = [
    "callback_instead_of_transfer",
    "chain_exhausted",
    "caller_at_risk",
    "semantic_review",
    "transfer_unanswered",
    "second_hard_stop",
    "call_ended_at_risk",
];

/// `EventKind::name()` of every canonical event type.
pub const EVENT_TYPES: [&str; 12] = [
    "call_started",
    "queued",
    "agent_connected",
    "utterance",
    "sentiment",
    "hold_started",
    "hold_ended",
    "transfer_result",
    "escalation_requested",
    "caller_verified",
    "call_ended",
    "other",
];

/// Registers every help text with the installed recorder.
pub fn describe_all() {
    for (name, family, help) in FAMILIES {
        match family {
            Family::Counter => metrics::describe_counter!(*name, *help),
            Family::Gauge => metrics::describe_gauge!(*name, *help),
            Family::Histogram => metrics::describe_histogram!(*name, *help),
        }
    }
}

/// The platforms this configuration takes events from.
fn enabled_vendors(config: &Config) -> Vec<Vendor> {
    let mut out = Vec::new();
    if config.vendors.genesys.enabled {
        out.push(Vendor::Genesys);
    }
    out.extend(
        INTAKE_VENDORS
            .into_iter()
            .filter(|v| config.vendors.intake(*v).enabled),
    );
    if config.vendors.standard.enabled {
        out.push(Vendor::Standard);
    }
    out
}

/// Every labelled counter at 0 for the label values this configuration can produce, and
/// the unlabelled counters and histograms registered, so each is exported from the start.
pub fn export_initial_metrics(config: &Config) {
    let zero = |c: metrics::Counter| c.increment(0);
    let vendors = enabled_vendors(config);
    for vendor in &vendors {
        for outcome in ["escalated", "recorded", "ignored", "duplicate"] {
            for kind in EVENT_TYPES {
                zero(
                    metrics::counter!("escalator_events_total", "vendor" => vendor.as_str(), "outcome" => outcome, "type" => kind),
                );
            }
        }
        for kind in ACTION_KINDS {
            zero(
                metrics::counter!("escalator_dead_letters_total", "kind" => kind, "vendor" => vendor.as_str()),
            );
            zero(
                metrics::counter!("escalator_actions_uncertain_total", "kind" => kind, "vendor" => vendor.as_str()),
            );
        }
        let _ = metrics::histogram!("escalator_ack_seconds", "vendor" => vendor.as_str());
    }
    for kind in ACTION_KINDS {
        for outcome in ACTION_OUTCOMES {
            zero(
                metrics::counter!("escalator_actions_total", "kind" => kind, "outcome" => outcome),
            );
        }
    }
    for reason in ALERT_REASONS {
        for urgency in ["normal", "immediate"] {
            zero(
                metrics::counter!("escalator_supervisor_alerts_total", "reason" => reason, "urgency" => urgency),
            );
        }
    }
    for kind in ["due_soon", "overdue", "no_window", "reassigned", "dial"] {
        for outcome in ["sent", "retrying", "failed"] {
            zero(
                metrics::counter!("escalator_callback_notifications_total", "kind" => kind, "outcome" => outcome),
            );
        }
    }
    for vendor in [Vendor::Genesys, Vendor::Talkdesk] {
        for outcome in ["changed", "unchanged", "failed"] {
            zero(
                metrics::counter!("escalator_callback_readbacks_total", "vendor" => vendor.as_str(), "outcome" => outcome),
            );
        }
    }
    for trigger in TriggerKind::ALL {
        for tier in [
            Tier::Agent,
            Tier::Supervisor,
            Tier::Specialist,
            Tier::Callback,
        ] {
            for review in ["flagged", "not_flagged"] {
                zero(
                    metrics::counter!("escalator_escalations_total", "trigger" => trigger.as_str(), "tier" => tier.as_str(), "review" => review),
                );
            }
        }
    }
    for kept in ["yes", "no", "no_window"] {
        zero(metrics::counter!("escalator_callbacks_completed_total", "kept" => kept));
    }
    for outcome in ReviewOutcome::ALL {
        zero(metrics::counter!("escalator_reviews_total", "outcome" => outcome.as_str()));
    }
    for team in config.teams.keys() {
        zero(metrics::counter!("escalator_named_callbacks_total", "team" => team.clone()));
    }
    for outcome in ["ok", "rejected"] {
        zero(metrics::counter!("escalator_playbook_reloads_total", "outcome" => outcome));
    }
    zero(metrics::counter!("escalator_escalations_stranded_total"));
    zero(metrics::counter!("escalator_hold_watches_fired_total"));
    zero(metrics::counter!("escalator_ingress_throttled_total"));
    metrics::gauge!("escalator_callbacks_overdue").set(0.0);
    let _ = metrics::histogram!("escalator_time_to_callback_seconds");
    let _ = metrics::histogram!("escalator_commit_batch_deliveries");
    metrics::gauge!("escalator_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_gauges_are_nan_and_store_down_when_the_database_was_not_read() {
        let up = render_database_gauges(Some(3), Some((5, 2)));
        assert!(up.contains("\nescalator_store_up 1\n"), "{up}");
        assert!(up.contains("\nescalator_outbox_depth 3\n"), "{up}");
        assert!(up.contains("\nescalator_reviews_done 2\n"), "{up}");
        let down = render_database_gauges(None, Some((5, 2)));
        assert!(down.contains("\nescalator_store_up 0\n"), "{down}");
        assert!(down.contains("\nescalator_outbox_depth NaN\n"), "{down}");
        assert!(down.contains("# HELP escalator_outbox_depth "), "{down}");
    }

    #[test]
    fn every_family_has_help_text_and_names_are_unique() {
        let mut names: Vec<&str> = FAMILIES.iter().map(|(n, _, _)| *n).collect();
        assert!(FAMILIES.iter().all(|(_, _, help)| !help.is_empty()));
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FAMILIES.len());
    }
}
