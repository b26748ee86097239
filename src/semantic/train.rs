//! Training the heads from the labelled corpus (`escalator classify --train`), and
//! embedding many lines at once for training and evaluation.

use std::path::Path;

use sha2::{Digest, Sha256};

use super::heads::Example;
use super::layer::{file_sha256, hex, SemanticLayer};
use super::{Heads, ScoreError};
use crate::playbook::eval::{Labelled, Split, LABELLED};

/// The categories the heads score: the labelled triggers and anger.
pub fn head_categories() -> Vec<&'static str> {
    LABELLED.iter().copied().chain(["anger"]).collect()
}

/// Every `*.jsonl` file in `path` (or `path` itself when it is a file), in name order.
pub fn read_corpus(path: &Path) -> Result<Vec<Labelled>, String> {
    let files = if path.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .collect();
        files.sort();
        files
    } else {
        vec![path.to_path_buf()]
    };
    let mut lines = Vec::new();
    for file in files {
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let l: Labelled = serde_json::from_str(line).map_err(|e| {
                format!(
                    "{}:{}: {e}; expected {{\"text\", \"speaker\", \"labels\", \"language\"?, \"family\"?}}",
                    file.display(),
                    n + 1
                )
            })?;
            lines.push(l);
        }
    }
    Ok(lines)
}

/// The embeddings of `texts`, computed on `threads` threads (one encoder shared).
pub fn embed_all(
    layer: &SemanticLayer,
    texts: &[&str],
    threads: usize,
) -> Result<Vec<Vec<f32>>, ScoreError> {
    let threads = threads.max(1);
    let chunk = texts.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = texts
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(|t| layer.embed(t)).collect()))
            .collect();
        let mut out = Vec::with_capacity(texts.len());
        for handle in handles {
            let part: Result<Vec<Vec<f32>>, ScoreError> = handle
                .join()
                .map_err(|_| ScoreError::Model("an embedding thread panicked".into()))?;
            out.extend(part?);
        }
        Ok(out)
    })
}

/// Trains heads on the training split of `lines` (customer lines only: agent lines
/// never carry a customer label and are never scored).
pub fn train(
    layer: &SemanticLayer,
    model: &Path,
    lines: &[Labelled],
    threads: usize,
) -> Result<Heads, String> {
    let training: Vec<&Labelled> = lines
        .iter()
        .filter(|l| l.split() == Split::Train)
        .filter(|l| l.speaker != Some(escalator_adapters::Speaker::Agent))
        .collect();
    let texts: Vec<&str> = training.iter().map(|l| l.text.as_str()).collect();
    let embeddings = embed_all(layer, &texts, threads).map_err(|e| e.to_string())?;
    let examples: Vec<Example<'_>> = training
        .iter()
        .zip(&embeddings)
        .map(|(l, e)| Example {
            text: &l.text,
            embedding: e,
            labels: &l.labels,
        })
        .collect();
    let model_hash = file_sha256(model).map_err(|e| format!("{}: {e}", model.display()))?;
    Heads::train(
        &model_hash,
        &corpus_hash(lines),
        &head_categories(),
        &examples,
    )
    .map_err(|e| e.to_string())
}

/// sha256 over the corpus lines (text, labels, family), in order: what the heads record
/// so a changed corpus without retrained heads is noticed.
pub fn corpus_hash(lines: &[Labelled]) -> String {
    let mut hasher = Sha256::new();
    for l in lines {
        hasher.update(l.text.as_bytes());
        hasher.update([0]);
        for label in &l.labels {
            hasher.update(label.as_bytes());
            hasher.update([1]);
        }
        if let Some(f) = &l.family {
            hasher.update(f.as_bytes());
        }
        hasher.update([2]);
    }
    hex(&hasher.finalize())
}
