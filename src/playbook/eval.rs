//! Precision and recall of the playbook's phrase categories on labelled utterances
//! (`{"text", "speaker", "labels"}` per line), for `classify --eval` and the corpus test.

use std::collections::{BTreeMap, BTreeSet};

use escalator_adapters::Speaker;
use serde::{Deserialize, Serialize};

use super::Engine;

/// The categories the corpus labels.
pub const LABELLED: &[&str] = &[
    "legal_threat",
    "regulator_mention",
    "media_mention",
    "self_harm",
    "fraud",
    "supervisor_request",
];

#[derive(Debug, Clone, Deserialize)]
pub struct Labelled {
    pub text: String,
    #[serde(default)]
    pub speaker: Option<Speaker>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub labels: Vec<String>,
    /// The phrase family the line was written for; the corpus is split into training and
    /// validation by family, so no family is on both sides.
    #[serde(default)]
    pub family: Option<String>,
}

/// Which side of the family split a line is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    Train,
    Validation,
}

impl Labelled {
    /// One family in five (by a stable hash of its name) is held out for validation;
    /// lines without a family train.
    pub fn split(&self) -> Split {
        use sha2::{Digest, Sha256};
        match &self.family {
            Some(f) if Sha256::digest(f.as_bytes())[0] % 5 == 0 => Split::Validation,
            _ => Split::Train,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub true_positives: u32,
    pub false_positives: u32,
    pub false_negatives: u32,
}

impl Counts {
    pub fn precision(&self) -> f64 {
        let predicted = self.true_positives + self.false_positives;
        if predicted == 0 {
            1.0
        } else {
            f64::from(self.true_positives) / f64::from(predicted)
        }
    }

    pub fn recall(&self) -> f64 {
        let actual = self.true_positives + self.false_negatives;
        if actual == 0 {
            1.0
        } else {
            f64::from(self.true_positives) / f64::from(actual)
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Mistake {
    pub text: String,
    pub missed: Vec<String>,
    pub spurious: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct EvalReport {
    pub categories: BTreeMap<String, Counts>,
    /// Micro counts per line language (`language`, or `unknown`).
    pub languages: BTreeMap<String, Counts>,
    pub overall: Counts,
    pub mistakes: Vec<Mistake>,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.true_positives += other.true_positives;
        self.false_positives += other.false_positives;
        self.false_negatives += other.false_negatives;
    }
}

/// The playbook's rules on every line.
pub fn evaluate(engine: &Engine, lines: &[Labelled]) -> EvalReport {
    evaluate_with(lines, |line| {
        engine
            .classify(&line.text, line.speaker.unwrap_or(Speaker::Customer))
            .categories
            .into_iter()
            .collect()
    })
}

/// Any classifier (rules, model, both) on every line: `classify` names the categories
/// it finds in a line.
pub fn evaluate_with(
    lines: &[Labelled],
    mut classify: impl FnMut(&Labelled) -> BTreeSet<String>,
) -> EvalReport {
    let mut report = EvalReport::default();
    for c in LABELLED {
        report
            .categories
            .insert((*c).to_string(), Counts::default());
    }
    for line in lines {
        let got: BTreeSet<String> = classify(line)
            .into_iter()
            .filter(|c| LABELLED.contains(&c.as_str()))
            .collect();
        let want: BTreeSet<String> = line
            .labels
            .iter()
            .filter(|c| LABELLED.contains(&c.as_str()))
            .cloned()
            .collect();
        let language = line.language.as_deref().unwrap_or("unknown").to_string();
        let mut line_counts = Counts::default();
        for c in LABELLED {
            let counts = report.categories.entry((*c).to_string()).or_default();
            match (got.contains(*c), want.contains(*c)) {
                (true, true) => {
                    counts.true_positives += 1;
                    line_counts.true_positives += 1;
                }
                (true, false) => {
                    counts.false_positives += 1;
                    line_counts.false_positives += 1;
                }
                (false, true) => {
                    counts.false_negatives += 1;
                    line_counts.false_negatives += 1;
                }
                (false, false) => {}
            }
        }
        report
            .languages
            .entry(language)
            .or_default()
            .add(&line_counts);
        if got != want {
            report.mistakes.push(Mistake {
                text: line.text.clone(),
                missed: want.difference(&got).cloned().collect(),
                spurious: got.difference(&want).cloned().collect(),
            });
        }
    }
    for counts in report.categories.values() {
        report.overall.add(counts);
    }
    report
}
