//! How the semantic layer is doing, for `/readyz` and `/metrics`: off (rules only), keeping
//! up, or degraded (the queue is behind or full). Degraded never makes the service unready:
//! the rules still decide every utterance, and taking the pod out of service would only
//! refuse deliveries the rules could have decided.

use crate::store::{QueueStats, Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SemanticMode {
    /// No model: the rules alone decide.
    RulesOnly,
    Scoring {
        max_lag_ms: u64,
        queue_limit: u64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    RulesOnly,
    Ok,
    /// Behind or full; the reason says which.
    Degraded(String),
}

impl Health {
    pub fn as_str(&self) -> &'static str {
        match self {
            Health::RulesOnly => "rules_only",
            Health::Ok => "ok",
            Health::Degraded(_) => "degraded",
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            Health::Degraded(reason) => Some(reason),
            _ => None,
        }
    }
}

impl SemanticMode {
    pub fn is_scoring(self) -> bool {
        matches!(self, SemanticMode::Scoring { .. })
    }

    /// The health the queue's state means at `now_ms`.
    pub fn health_of(self, stats: QueueStats, now_ms: i64) -> Health {
        let SemanticMode::Scoring {
            max_lag_ms,
            queue_limit,
        } = self
        else {
            return Health::RulesOnly;
        };
        let depth = u64::try_from(stats.depth).unwrap_or(0);
        if depth >= queue_limit {
            return Health::Degraded(format!(
                "the queue is full ({depth} utterances, semantic.queue_limit {queue_limit}): new ones are not scored"
            ));
        }
        let age = stats
            .oldest_ms
            .map_or(0, |oldest| now_ms.saturating_sub(oldest));
        if age > i64::try_from(max_lag_ms).unwrap_or(i64::MAX) {
            return Health::Degraded(format!(
                "behind: the oldest utterance awaiting its score was queued {age} ms ago (semantic.max_lag_ms {max_lag_ms}); late ones are skipped"
            ));
        }
        Health::Ok
    }

    /// Reads the queue (when scoring) and sets the depth gauge.
    pub async fn health(self, store: &Store) -> Result<Health, StoreError> {
        if !self.is_scoring() {
            return Ok(Health::RulesOnly);
        }
        let stats = store.semantic_queue_stats().await?;
        metrics::gauge!("escalator_semantic_queue_depth").set(stats.depth as f64);
        Ok(self.health_of(stats, jiff::Timestamp::now().as_millisecond()))
    }
}

/// Every semantic metric, at zero, so dashboards and alerts see the series from the start
/// (and `escalator_semantic_enabled` says whether a model is loaded).
pub fn export_initial_metrics(enabled: bool) {
    metrics::gauge!("escalator_semantic_enabled").set(if enabled { 1.0 } else { 0.0 });
    metrics::gauge!("escalator_semantic_queue_depth").set(0.0);
    metrics::counter!("escalator_semantic_scored_total").increment(0);
    for reason in ["late", "queue_full", "error"] {
        metrics::counter!("escalator_semantic_skipped_total", "reason" => reason).increment(0);
    }
    // Registering is enough for the exporter to render it with no samples.
    let _ = metrics::histogram!("escalator_semantic_score_seconds");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn degraded_when_behind_or_full_and_rules_only_without_a_model() {
        let mode = SemanticMode::Scoring {
            max_lag_ms: 3_000,
            queue_limit: 10,
        };
        let stats = |depth, oldest_ms| QueueStats { depth, oldest_ms };
        assert_eq!(mode.health_of(stats(0, None), 10_000), Health::Ok);
        assert_eq!(mode.health_of(stats(3, Some(8_000)), 10_000), Health::Ok);
        let behind = mode.health_of(stats(3, Some(5_000)), 10_000);
        assert_eq!(behind.as_str(), "degraded");
        assert!(behind.reason().unwrap().contains("5000 ms"), "{behind:?}");
        let full = mode.health_of(stats(10, Some(9_999)), 10_000);
        assert!(full.reason().unwrap().contains("full"), "{full:?}");
        assert_eq!(
            SemanticMode::RulesOnly.health_of(stats(5, Some(0)), 10_000),
            Health::RulesOnly
        );
    }
}
