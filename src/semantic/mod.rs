//! The semantic recall layer: a caller's utterance embedded by a multilingual sentence
//! model and scored per category by small logistic heads trained on the project's own
//! labelled corpus. It finds what the phrase rules miss (speech nobody wrote down); the
//! playbook's `[semantic]` policy says what a score does ([`policy`]).
//!
//! The embedding model is optional: without its file the service runs on rules alone and
//! says so. Heads are small and shipped in the binary ([`heads::BUILTIN_HEADS`]); they are
//! retrained with `escalator classify --train` whenever the corpus or the model changes.

pub mod heads;
pub mod layer;
mod load;
pub mod policy;
mod status;
pub mod train;
mod worker;

use serde::{Deserialize, Serialize};

pub use heads::{Heads, HeadsError};
pub use layer::SemanticLayer;
pub use load::{load_scorer, SemanticLoadError};
pub use policy::{SemanticAction, SemanticHit, SemanticPolicy, SemanticPolicyFile};
pub use status::{export_initial_metrics, Health, SemanticMode};
pub use worker::{ScoringIntake, SemanticWorkers};

/// The size of multilingual-e5-small's sentence embeddings.
pub const EMBEDDING_DIM: usize = 384;

/// What the layer says about one utterance.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Scores {
    /// Category → probability (0–1) that the utterance belongs to it.
    pub categories: Vec<(String, f32)>,
    /// The labelled lines closest to the utterance, closest first: the evidence a
    /// reviewer reads beside the score.
    pub nearest: Vec<Neighbour>,
}

impl Scores {
    pub fn get(&self, category: &str) -> Option<f32> {
        self.categories
            .iter()
            .find(|(c, _)| c == category)
            .map(|(_, s)| *s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Neighbour {
    pub text: String,
    pub labels: Vec<String>,
    /// Cosine similarity to the utterance.
    pub similarity: f32,
}

/// Why a semantic trigger fired: the score and the labelled lines closest to the
/// utterance, kept with the trigger so the decision stays explainable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SemanticEvidence {
    pub score: f32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nearest: Vec<Neighbour>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    #[error("the embedding model failed: {0}")]
    Model(String),
    #[error("the heads expect {expected}-dimensional embeddings, the model gives {got}")]
    Dimension { expected: usize, got: usize },
}

/// Scores one utterance. Blocking and CPU-bound (tens of milliseconds): call it from a
/// blocking thread or a dedicated pool, never on an async worker.
pub trait Scorer: Send + Sync {
    fn score(&self, text: &str) -> Result<Scores, ScoreError>;
}
