//! One logistic-regression head per category over the sentence embedding, and the
//! labelled lines kept as evidence (the closest ones are shown beside a score).
//!
//! Trained by `escalator classify --train` on the training split of `fixtures/corpus/train`;
//! the file records the model and the corpus it was trained from, so a stale file is
//! noticed (a test compares the corpus hash).

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::{Neighbour, ScoreError, Scores};

/// The heads shipped with the binary, trained on the project's corpus for
/// multilingual-e5-small.
pub const BUILTIN_HEADS: &str = include_str!("../../playbook/semantic-heads.json");

/// How many labelled lines a score carries as evidence.
const NEAREST: usize = 3;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Heads {
    /// The embedding model the heads were trained on (its file's sha256).
    pub model: String,
    /// sha256 of the training lines, in file order.
    pub corpus: String,
    pub dim: usize,
    /// Subtracted from an embedding and divided by `scale` before the heads see it.
    pub mean: Vec<f32>,
    pub scale: Vec<f32>,
    pub heads: Vec<Head>,
    pub exemplars: Vec<Exemplar>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Head {
    pub category: String,
    pub bias: f32,
    pub weights: Vec<f32>,
}

/// A labelled training line with its embedding, quantized to i8 (base64).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Exemplar {
    pub text: String,
    pub labels: Vec<String>,
    vector: String,
    #[serde(skip)]
    decoded: Vec<i8>,
}

#[derive(Debug, thiserror::Error)]
pub enum HeadsError {
    #[error("heads file: {0}")]
    Parse(#[from] serde_json::Error),
    #[error("heads file: {0}")]
    Invalid(String),
}

/// One training example: an embedding and the categories its line carries.
pub struct Example<'a> {
    pub text: &'a str,
    pub embedding: &'a [f32],
    pub labels: &'a [String],
}

impl Heads {
    pub fn builtin() -> Result<Self, HeadsError> {
        Self::from_json(BUILTIN_HEADS)
    }

    pub fn from_json(text: &str) -> Result<Self, HeadsError> {
        let mut heads: Heads = serde_json::from_str(text)?;
        let dim = heads.dim;
        if heads.mean.len() != dim || heads.scale.len() != dim {
            return Err(HeadsError::Invalid(format!(
                "mean/scale must have {dim} values"
            )));
        }
        if let Some(h) = heads.heads.iter().find(|h| h.weights.len() != dim) {
            return Err(HeadsError::Invalid(format!(
                "head {} has {} weights, expected {dim}",
                h.category,
                h.weights.len()
            )));
        }
        for e in &mut heads.exemplars {
            let bytes = BASE64
                .decode(&e.vector)
                .map_err(|err| HeadsError::Invalid(format!("exemplar {:?}: {err}", e.text)))?;
            if bytes.len() != dim {
                return Err(HeadsError::Invalid(format!(
                    "exemplar {:?} has {} values, expected {dim}",
                    e.text,
                    bytes.len()
                )));
            }
            e.decoded = bytes.into_iter().map(|b| b as i8).collect();
        }
        Ok(heads)
    }

    /// Heads of the right size that score nothing: what the model is loaded with while
    /// new heads are being trained.
    pub fn placeholder(dim: usize) -> Self {
        Heads {
            model: String::new(),
            corpus: String::new(),
            dim,
            mean: vec![0.0; dim],
            scale: vec![1.0; dim],
            heads: Vec::new(),
            exemplars: Vec::new(),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn categories(&self) -> impl Iterator<Item = &str> {
        self.heads.iter().map(|h| h.category.as_str())
    }

    /// The scores of one L2-normalized embedding.
    pub fn score(&self, embedding: &[f32]) -> Result<Scores, ScoreError> {
        if embedding.len() != self.dim {
            return Err(ScoreError::Dimension {
                expected: self.dim,
                got: embedding.len(),
            });
        }
        let x = self.standardize(embedding);
        let categories = self
            .heads
            .iter()
            .map(|h| (h.category.clone(), sigmoid(h.bias + dot(&h.weights, &x))))
            .collect();
        let mut nearest: Vec<(f32, &Exemplar)> = self
            .exemplars
            .iter()
            .map(|e| (cosine_i8(embedding, &e.decoded), e))
            .collect();
        let k = NEAREST.min(nearest.len());
        if k > 0 {
            nearest.select_nth_unstable_by(k - 1, |a, b| b.0.total_cmp(&a.0));
            nearest.truncate(k);
            nearest.sort_by(|a, b| b.0.total_cmp(&a.0));
        }
        Ok(Scores {
            categories,
            nearest: nearest
                .into_iter()
                .map(|(similarity, e)| Neighbour {
                    text: e.text.clone(),
                    labels: e.labels.clone(),
                    similarity,
                })
                .collect(),
        })
    }

    fn standardize(&self, embedding: &[f32]) -> Vec<f32> {
        embedding
            .iter()
            .zip(&self.mean)
            .zip(&self.scale)
            .map(|((v, m), s)| (v - m) / s)
            .collect()
    }

    /// Trains one head per category on `examples` (L2-regularized logistic regression,
    /// classes balanced, full-batch gradient descent with momentum: a few seconds for a
    /// few thousand lines). Lines labelled with a category are its positives; every other
    /// line is a negative.
    pub fn train(
        model: &str,
        corpus: &str,
        categories: &[&str],
        examples: &[Example<'_>],
    ) -> Result<Self, HeadsError> {
        let dim = examples
            .first()
            .map(|e| e.embedding.len())
            .ok_or_else(|| HeadsError::Invalid("no training examples".into()))?;
        if examples.iter().any(|e| e.embedding.len() != dim) {
            return Err(HeadsError::Invalid("embeddings of different sizes".into()));
        }
        let n = examples.len() as f32;
        let mut mean = vec![0f32; dim];
        for e in examples {
            for (m, v) in mean.iter_mut().zip(e.embedding) {
                *m += v / n;
            }
        }
        let mut scale = vec![0f32; dim];
        for e in examples {
            for ((s, v), m) in scale.iter_mut().zip(e.embedding).zip(&mean) {
                *s += (v - m) * (v - m) / n;
            }
        }
        for s in &mut scale {
            *s = s.sqrt().max(1e-6);
        }
        let mut partial = Heads {
            model: model.to_string(),
            corpus: corpus.to_string(),
            dim,
            mean,
            scale,
            heads: Vec::new(),
            exemplars: Vec::new(),
        };
        let xs: Vec<Vec<f32>> = examples
            .iter()
            .map(|e| partial.standardize(e.embedding))
            .collect();
        for category in categories {
            let ys: Vec<bool> = examples
                .iter()
                .map(|e| e.labels.iter().any(|l| l == category))
                .collect();
            let (bias, weights) = fit_logistic(&xs, &ys);
            partial.heads.push(Head {
                category: (*category).to_string(),
                bias,
                weights,
            });
        }
        partial.exemplars = examples
            .iter()
            .filter(|e| e.labels.iter().any(|l| categories.contains(&l.as_str())))
            .map(|e| {
                let q: Vec<u8> = e
                    .embedding
                    .iter()
                    .map(|v| (v * 127.0).round().clamp(-127.0, 127.0) as i8 as u8)
                    .collect();
                Exemplar {
                    text: e.text.to_string(),
                    labels: e.labels.to_vec(),
                    vector: BASE64.encode(&q),
                    decoded: q.into_iter().map(|b| b as i8).collect(),
                }
            })
            .collect();
        Ok(partial)
    }
}

/// Regularization strength, learning rate and passes: chosen on the validation split.
const L2: f32 = 1e-2;
const LEARNING_RATE: f32 = 0.05;
const MOMENTUM: f32 = 0.9;
const EPOCHS: usize = 400;

fn fit_logistic(xs: &[Vec<f32>], ys: &[bool]) -> (f32, Vec<f32>) {
    let dim = xs.first().map_or(0, Vec::len);
    let positives = ys.iter().filter(|y| **y).count().max(1) as f32;
    let negatives = (ys.len() as f32 - positives).max(1.0);
    // Each class weighs half of the loss, however rare.
    let (w_pos, w_neg) = (0.5 / positives, 0.5 / negatives);
    let mut weights = vec![0f32; dim];
    let mut bias = 0f32;
    let mut velocity = vec![0f32; dim];
    let mut bias_velocity = 0f32;
    let mut grad = vec![0f32; dim];
    for _ in 0..EPOCHS {
        grad.iter_mut().for_each(|g| *g = 0.0);
        let mut grad_bias = 0f32;
        for (x, y) in xs.iter().zip(ys) {
            let p = sigmoid(bias + dot(&weights, x));
            let (target, weight) = if *y { (1.0, w_pos) } else { (0.0, w_neg) };
            let error = (p - target) * weight;
            grad_bias += error;
            for (g, v) in grad.iter_mut().zip(x) {
                *g += error * v;
            }
        }
        for ((w, g), v) in weights.iter_mut().zip(&grad).zip(&mut velocity) {
            *v = MOMENTUM * *v - LEARNING_RATE * (g + L2 * *w);
            *w += *v;
        }
        bias_velocity = MOMENTUM * bias_velocity - LEARNING_RATE * grad_bias;
        bias += bias_velocity;
    }
    (bias, weights)
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn cosine_i8(embedding: &[f32], q: &[i8]) -> f32 {
    let mut dot = 0f32;
    let mut norm = 0f32;
    for (v, q) in embedding.iter().zip(q) {
        let q = f32::from(*q) / 127.0;
        dot += v * q;
        norm += q * q;
    }
    if norm == 0.0 {
        0.0
    } else {
        dot / norm.sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(v: &[f32]) -> Vec<f32> {
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / n).collect()
    }

    #[test]
    fn a_head_learns_a_direction_and_round_trips_through_json() {
        // Lines "about" axis 0 are fraud; the rest are not.
        let vectors: Vec<(String, Vec<f32>, Vec<String>)> = (0..40)
            .map(|i| {
                let fraud = i % 4 == 0;
                let jitter = (i as f32 * 0.37).sin() * 0.2;
                let v = if fraud {
                    unit(&[1.0, jitter, 0.1])
                } else {
                    unit(&[jitter, 1.0, 0.3])
                };
                let labels = if fraud {
                    vec!["fraud".to_string()]
                } else {
                    vec![]
                };
                (format!("line {i}"), v, labels)
            })
            .collect();
        let examples: Vec<Example<'_>> = vectors
            .iter()
            .map(|(t, v, l)| Example {
                text: t,
                embedding: v,
                labels: l,
            })
            .collect();
        let heads = Heads::train("m", "c", &["fraud"], &examples).unwrap();
        let heads = Heads::from_json(&heads.to_json()).unwrap();
        let yes = heads.score(&unit(&[1.0, 0.05, 0.1])).unwrap();
        let no = heads.score(&unit(&[0.05, 1.0, 0.3])).unwrap();
        assert!(yes.get("fraud").unwrap() > 0.9, "{yes:?}");
        assert!(no.get("fraud").unwrap() < 0.1, "{no:?}");
        assert_eq!(yes.nearest.len(), 3);
        assert!(yes.nearest[0].labels.contains(&"fraud".to_string()));
        assert!(yes.nearest[0].similarity >= yes.nearest[2].similarity);
        assert!(matches!(
            heads.score(&[1.0, 0.0]),
            Err(ScoreError::Dimension {
                expected: 3,
                got: 2
            })
        ));
    }

    #[test]
    fn a_malformed_file_is_refused_with_the_reason() {
        let err = Heads::from_json(
            r#"{"model":"m","corpus":"c","dim":2,"mean":[0],"scale":[1,1],"heads":[],"exemplars":[]}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("mean/scale"), "{err}");
    }
}
