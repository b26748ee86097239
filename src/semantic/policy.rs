//! What a semantic score does, as the playbook's `[semantic]` section says: at or above a
//! category's `escalate` threshold the category fires as if a phrase had matched; at or
//! above `review` (but below `escalate`) a supervisor is alerted and the call flagged for
//! review — unless `support` is set and one of the closest labelled lines carries the
//! category at that similarity, which escalates; below, nothing. With `veto`, a phrase of
//! the category whose score is below it is not enough to escalate: it becomes a review.
//! For `self_harm` either layer is enough (no `veto`), and a review alerts at once.

use std::collections::{BTreeMap, BTreeSet};

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
    /// A phrase of the category matched, but the score is below this: a review, not an
    /// escalation (the model does not confirm the words).
    #[serde(default)]
    pub veto: Option<f32>,
    /// A score in `[review, escalate)` escalates when one of the labelled lines closest to
    /// the utterance carries the category with at least this cosine similarity.
    #[serde(default)]
    pub support: Option<f32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SemanticAction {
    /// Fires the category, as a phrase would.
    Escalate,
    /// Alerts a supervisor and flags the call for review; does not escalate.
    Review,
}

/// Why a hit has its action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The score against `escalate` and `review`.
    Score,
    /// A score in the review band, with a close labelled line of the category (`support`).
    Support,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SemanticHit {
    pub category: String,
    pub score: f32,
    pub action: SemanticAction,
    pub basis: Basis,
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
            let optional = [("veto", t.veto), ("support", t.support)];
            for (name, v) in [("escalate", Some(t.escalate)), ("review", Some(t.review))]
                .into_iter()
                .chain(optional)
            {
                let Some(v) = v else { continue };
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
            if let Some(veto) = t.veto.filter(|v| *v > t.escalate) {
                return Err((
                    format!("{key}.veto"),
                    format!("{veto} must not be above `escalate` (a score that escalates alone confirms a phrase)"),
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
                let (action, basis) = if score >= t.escalate {
                    (SemanticAction::Escalate, Basis::Score)
                } else if score < t.review {
                    return None;
                } else if t.support.is_some_and(|s| supported(scores, category, s)) {
                    (SemanticAction::Escalate, Basis::Support)
                } else {
                    (SemanticAction::Review, Basis::Score)
                };
                Some(SemanticHit {
                    category: category.clone(),
                    score,
                    action,
                    basis,
                })
            })
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score));
        hits
    }

    /// Whether a phrase of `category` that matched still escalates given the scores: `false`
    /// when the category has a `veto` and its score is below it (the match is then a
    /// review). Without a score or a `veto`, the phrase stands.
    pub fn confirms(&self, category: &str, scores: &Scores) -> bool {
        match (
            self.file.categories.get(category).and_then(|t| t.veto),
            scores.get(category),
        ) {
            (Some(veto), Some(score)) => score >= veto,
            _ => true,
        }
    }

    /// Whether a phrase of `category` waits for its score before it escalates.
    pub fn vetoes(&self, category: &str) -> bool {
        self.file
            .categories
            .get(category)
            .is_some_and(|t| t.veto.is_some())
    }

    /// The rules and the scores of one caller's utterance together, as a live call decides
    /// them: `rules` are the categories whose phrases matched. Returns the categories that
    /// escalate and those that ask for a review. A phrase escalates unless its category's
    /// `veto` turns it into a review; a category a phrase matched is decided by the phrase.
    pub fn combine(
        &self,
        rules: &BTreeSet<String>,
        scores: &Scores,
    ) -> (BTreeSet<String>, BTreeSet<String>) {
        let mut escalate = BTreeSet::new();
        let mut review = BTreeSet::new();
        for category in rules {
            if self.confirms(category, scores) {
                escalate.insert(category.clone());
            } else {
                review.insert(category.clone());
            }
        }
        for hit in self.decide(scores) {
            if rules.contains(&hit.category) {
                continue;
            }
            match hit.action {
                SemanticAction::Escalate => escalate.insert(hit.category),
                SemanticAction::Review => review.insert(hit.category),
            };
        }
        (escalate, review)
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

/// Whether one of the closest labelled lines carries `category` at `similarity` or more.
fn supported(scores: &Scores, category: &str, similarity: f32) -> bool {
    scores
        .nearest
        .iter()
        .any(|n| n.similarity >= similarity && n.labels.iter().any(|l| l == category))
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

    fn near(text: &str, label: &str, similarity: f32) -> crate::semantic::Neighbour {
        crate::semantic::Neighbour {
            text: text.into(),
            labels: vec![label.into()],
            similarity,
        }
    }

    #[test]
    fn a_review_band_score_escalates_with_a_close_labelled_line_of_its_category() {
        let p =
            policy("[categories]\nself_harm = { escalate = 0.8, review = 0.3, support = 0.9 }\n")
                .unwrap();
        let mut s = scores(&[("self_harm", 0.5)]);
        s.nearest = vec![
            near("a", "legal_threat", 0.95),
            near("b", "self_harm", 0.85),
        ];
        let hits = p.decide(&s);
        assert_eq!(hits[0].action, SemanticAction::Review);
        assert_eq!(hits[0].basis, Basis::Score);
        s.nearest.push(near("c", "self_harm", 0.91));
        let hits = p.decide(&s);
        assert_eq!(hits[0].action, SemanticAction::Escalate);
        assert_eq!(hits[0].basis, Basis::Support);
        // Below `review`, no neighbour makes a hit.
        s.categories = vec![("self_harm".into(), 0.2)];
        assert!(p.decide(&s).is_empty());
    }

    #[test]
    fn a_phrase_the_score_does_not_confirm_becomes_a_review() {
        let p = policy(
            "[categories]\nself_harm = { escalate = 0.3, review = 0.3 }\nlegal_threat = { escalate = 0.8, review = 0.5, veto = 0.1 }\n",
        )
        .unwrap();
        let set = |c: &[&str]| c.iter().map(|c| c.to_string()).collect::<BTreeSet<_>>();
        assert!(p.vetoes("legal_threat") && !p.vetoes("self_harm"));
        // Vetoed: a review, not an escalation.
        let low = scores(&[("legal_threat", 0.05), ("self_harm", 0.01)]);
        assert!(!p.confirms("legal_threat", &low));
        assert_eq!(
            p.combine(&set(&["legal_threat", "self_harm"]), &low),
            (set(&["self_harm"]), set(&["legal_threat"]))
        );
        // Confirmed (at the threshold): the phrase escalates, the score adds nothing more.
        let at = scores(&[("legal_threat", 0.1)]);
        assert!(p.confirms("legal_threat", &at));
        assert_eq!(
            p.combine(&set(&["legal_threat"]), &at),
            (set(&["legal_threat"]), set(&[]))
        );
        // No phrase: the score alone decides, as `decide` does.
        let mid = scores(&[("legal_threat", 0.6), ("self_harm", 0.4)]);
        assert_eq!(
            p.combine(&set(&[]), &mid),
            (set(&["self_harm"]), set(&["legal_threat"]))
        );
        // Without a score for the category, the phrase stands.
        assert!(p.confirms("legal_threat", &scores(&[])));
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
        let e =
            policy("[categories]\nlegal_threat = { escalate = 0.5, review = 0.4, veto = 0.6 }\n")
                .unwrap_err();
        assert_eq!(e.0, "semantic.categories.legal_threat.veto");
        let e = policy(
            "[categories]\nlegal_threat = { escalate = 0.5, review = 0.4, support = 1.2 }\n",
        )
        .unwrap_err();
        assert_eq!(e.0, "semantic.categories.legal_threat.support");
    }
}
