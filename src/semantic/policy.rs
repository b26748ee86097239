//! What a semantic score does, as the playbook's `[semantic]` section says: at or above a
//! category's `escalate` threshold the category fires as if a phrase had matched; at or
//! above `review` (but below `escalate`) a supervisor is alerted and the call flagged for
//! review; below, nothing. For `self_harm` the playbook sets `review = escalate`: either
//! layer is enough, and a doubt is never parked for later.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Scores;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SemanticPolicyFile {
    /// Category → its thresholds; a category not listed is decided by the rules alone.
    pub categories: BTreeMap<String, CategoryThresholds>,
    /// The anger score at or above which a customer turn counts as angry where the
    /// platform sends no sentiment (HEARD guidance, `sustained_anger`).
    #[serde(default)]
    pub anger: Option<f32>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CategoryThresholds {
    pub escalate: f32,
    pub review: f32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SemanticAction {
    /// Fires the category, as a phrase would.
    Escalate,
    /// Alerts a supervisor and flags the call for review; does not escalate.
    Review,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SemanticHit {
    pub category: String,
    pub score: f32,
    pub action: SemanticAction,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SemanticPolicy {
    file: SemanticPolicyFile,
}

impl SemanticPolicy {
    /// Checks the thresholds: each within 0–1, `review` not above `escalate`, categories
    /// known to the heads. Errors name the key.
    pub fn new(file: SemanticPolicyFile, known: &[&str]) -> Result<Self, (String, String)> {
        for (category, t) in &file.categories {
            let key = format!("semantic.categories.{category}");
            if !known.contains(&category.as_str()) {
                return Err((
                    key,
                    format!("unknown category; use one of {}", known.join(", ")),
                ));
            }
            for (name, v) in [("escalate", t.escalate), ("review", t.review)] {
                if !(0.0..=1.0).contains(&v) {
                    return Err((
                        format!("{key}.{name}"),
                        "must be between 0.0 and 1.0".into(),
                    ));
                }
            }
            if t.review > t.escalate {
                return Err((
                    format!("{key}.review"),
                    "must not be above `escalate` (a review is the less sure of the two)".into(),
                ));
            }
        }
        if let Some(a) = file.anger.filter(|a| !(0.0..=1.0).contains(a)) {
            return Err((
                "semantic.anger".into(),
                format!("{a} must be between 0.0 and 1.0"),
            ));
        }
        Ok(Self { file })
    }

    /// The categories the scores put above a threshold, strongest score first.
    pub fn decide(&self, scores: &Scores) -> Vec<SemanticHit> {
        let mut hits: Vec<SemanticHit> = self
            .file
            .categories
            .iter()
            .filter_map(|(category, t)| {
                let score = scores.get(category)?;
                let action = if score >= t.escalate {
                    SemanticAction::Escalate
                } else if score >= t.review {
                    SemanticAction::Review
                } else {
                    return None;
                };
                Some(SemanticHit {
                    category: category.clone(),
                    score,
                    action,
                })
            })
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score));
        hits
    }

    /// Whether the scores say the caller is angry (no anger threshold: never).
    pub fn is_angry(&self, scores: &Scores) -> bool {
        match (self.file.anger, scores.get("anger")) {
            (Some(threshold), Some(score)) => score >= threshold,
            _ => false,
        }
    }

    /// Whether the layer decides anger where the platform sends no sentiment.
    pub fn scores_anger(&self) -> bool {
        self.file.anger.is_some()
    }

    pub fn thresholds(&self, category: &str) -> Option<CategoryThresholds> {
        self.file.categories.get(category).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(text: &str) -> Result<SemanticPolicy, (String, String)> {
        let file: SemanticPolicyFile = toml::from_str(text).unwrap();
        SemanticPolicy::new(file, &["self_harm", "legal_threat", "anger"])
    }

    fn scores(pairs: &[(&str, f32)]) -> Scores {
        Scores {
            categories: pairs.iter().map(|(c, s)| (c.to_string(), *s)).collect(),
            nearest: vec![],
        }
    }

    #[test]
    fn a_confident_score_escalates_a_less_confident_one_asks_for_review() {
        let p = policy(
            "anger = 0.7\n[categories]\nself_harm = { escalate = 0.3, review = 0.3 }\nlegal_threat = { escalate = 0.8, review = 0.5 }\n",
        )
        .unwrap();
        let hits = p.decide(&scores(&[("legal_threat", 0.6), ("self_harm", 0.35)]));
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0].category, "legal_threat");
        assert_eq!(hits[0].action, SemanticAction::Review);
        assert_eq!(hits[1].action, SemanticAction::Escalate);
        let hits = p.decide(&scores(&[("legal_threat", 0.9), ("self_harm", 0.1)]));
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].action, SemanticAction::Escalate);
        assert!(p.is_angry(&scores(&[("anger", 0.71)])));
        assert!(!p.is_angry(&scores(&[("anger", 0.69)])));
    }

    #[test]
    fn bad_thresholds_name_their_key() {
        let e =
            policy("[categories]\nlegal_threat = { escalate = 0.5, review = 0.8 }\n").unwrap_err();
        assert_eq!(e.0, "semantic.categories.legal_threat.review");
        let e = policy("[categories]\nfraudd = { escalate = 0.5, review = 0.4 }\n").unwrap_err();
        assert_eq!(e.0, "semantic.categories.fraudd");
        let e = policy("[categories]\nself_harm = { escalate = 1.5, review = 0.4 }\n").unwrap_err();
        assert_eq!(e.0, "semantic.categories.self_harm.escalate");
    }
}
