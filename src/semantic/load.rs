//! Where the scorer comes from: the embedding model named by `[semantic] model` and the
//! heads. The one place the real encoder is plugged in.

use std::path::PathBuf;
use std::sync::Arc;

use super::{Heads, HeadsError, Scorer, SemanticLayer};
use crate::config::SemanticConfig;

/// Why a configured model could not be used (a missing file is not an error: the service
/// then runs on rules alone).
#[derive(Debug, thiserror::Error)]
pub enum SemanticLoadError {
    #[error("semantic.model {}: {message}", path.display())]
    Model { path: PathBuf, message: String },
    #[error(transparent)]
    Heads(#[from] HeadsError),
}

/// The scorer, or `None` when there is no model file: rules-only.
pub fn load_scorer(config: &SemanticConfig) -> Result<Option<Arc<dyn Scorer>>, SemanticLoadError> {
    if !config.model.exists() {
        return Ok(None);
    }
    let heads = Heads::builtin()?;
    let layer =
        SemanticLayer::load(&config.model, heads).map_err(|e| SemanticLoadError::Model {
            path: config.model.clone(),
            message: e.to_string(),
        })?;
    Ok(Some(Arc::new(layer)))
}
