//! `[semantic]`: the model the semantic recall layer embeds utterances with, and how its
//! scoring pool keeps up. Without the model file the service runs on rules alone.

use std::path::PathBuf;

use serde::Deserialize;

/// Replaces `semantic.model`.
pub const ENV_SEMANTIC_MODEL: &str = "ESCALATOR_SEMANTIC_MODEL";

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SemanticConfig {
    /// The sentence-embedding model file; a relative path is from the working directory.
    pub model: PathBuf,
    /// Utterances scored at once (each on a blocking thread).
    pub workers: usize,
    /// An utterance older than this when a worker reaches it is skipped: the rules decided it.
    pub max_lag_ms: u64,
    /// Utterances awaiting their score at most; beyond it new ones are skipped, not stored.
    pub queue_limit: u64,
}

impl Default for SemanticConfig {
    fn default() -> Self {
        Self {
            model: PathBuf::from("models/multilingual-e5-small-q4.bin"),
            workers: 1,
            max_lag_ms: 3_000,
            queue_limit: 10_000,
        }
    }
}

impl SemanticConfig {
    /// `(key, message)` for each value the service cannot run with.
    pub fn errors(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.workers == 0 || self.workers > 64 {
            out.push(("semantic.workers", "must be between 1 and 64".to_string()));
        }
        if self.max_lag_ms == 0 {
            out.push(("semantic.max_lag_ms", "must be at least 1".to_string()));
        }
        if self.queue_limit == 0 {
            out.push(("semantic.queue_limit", "must be at least 1".to_string()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn defaults_and_a_partial_table() {
        let c = Config::from_toml("[semantic]\nworkers = 2\n")
            .unwrap()
            .semantic;
        assert_eq!(c.workers, 2);
        assert_eq!(c.max_lag_ms, 3_000);
        assert_eq!(c.queue_limit, 10_000);
        assert_eq!(
            c.model,
            PathBuf::from("models/multilingual-e5-small-q4.bin")
        );
        assert!(c.errors().is_empty());
        let bad = SemanticConfig {
            workers: 0,
            max_lag_ms: 0,
            queue_limit: 0,
            ..SemanticConfig::default()
        };
        let keys: Vec<&str> = bad.errors().into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            [
                "semantic.workers",
                "semantic.max_lag_ms",
                "semantic.queue_limit"
            ]
        );
    }
}
