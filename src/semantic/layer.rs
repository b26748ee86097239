//! The semantic layer proper: the in-process encoder and the heads, behind [`Scorer`].

use std::path::Path;

use escalator_encoder::Encoder;
use sha2::{Digest, Sha256};

use super::{Heads, ScoreError, Scorer, Scores};

pub struct SemanticLayer {
    encoder: Encoder,
    heads: Heads,
}

#[derive(Debug, thiserror::Error)]
pub enum LayerError {
    #[error("embedding model {path}: {reason}")]
    Model { path: String, reason: String },
    #[error("the heads were trained for {heads}-dimensional embeddings, the model at {path} gives {model}")]
    Dimension {
        path: String,
        heads: usize,
        model: usize,
    },
}

impl SemanticLayer {
    /// Loads the model file and pairs it with `heads`. A model whose hash differs from
    /// the one the heads were trained on still loads (its scores are then uncalibrated),
    /// with a warning naming both.
    pub fn load(model: &Path, heads: Heads) -> Result<Self, LayerError> {
        let path = model.display().to_string();
        let encoder = Encoder::load(model).map_err(|e| LayerError::Model {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        if encoder.dim() != heads.dim {
            return Err(LayerError::Dimension {
                path,
                heads: heads.dim,
                model: encoder.dim(),
            });
        }
        match file_sha256(model) {
            Ok(hash) if !heads.model.is_empty() && hash != heads.model => tracing::warn!(
                model = %path,
                model_sha256 = %hash,
                heads_trained_on = %heads.model,
                "the semantic heads were trained on another model file; retrain them with `escalator classify --train`"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(model = %path, error = %e, "cannot hash the model file"),
        }
        Ok(Self { encoder, heads })
    }

    pub fn embed(&self, text: &str) -> Result<Vec<f32>, ScoreError> {
        self.encoder
            .embed(text)
            .map_err(|e| ScoreError::Model(e.to_string()))
    }

    pub fn heads(&self) -> &Heads {
        &self.heads
    }
}

impl Scorer for SemanticLayer {
    fn score(&self, text: &str) -> Result<Scores, ScoreError> {
        let embedding = self.embed(text)?;
        self.heads.score(&embedding)
    }
}

/// The sha256 of a file, hex.
pub fn file_sha256(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
