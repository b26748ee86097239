//! `escalator classify`: the playbook (rules, and the semantic layer when its model is
//! installed) on single utterances, its evaluation on labelled lines, and training the
//! semantic heads.

mod run;

pub use run::run;

use std::collections::BTreeSet;
use std::io::{BufRead, Write};

use escalator_adapters::Speaker;
use serde::Deserialize;
use serde_json::json;

use crate::playbook::eval::{evaluate_with, EvalReport, Labelled, Split};
use crate::playbook::Engine;
use crate::semantic::train::embed_all;
use crate::semantic::{Scorer, Scores, SemanticAction, SemanticLayer, SemanticPolicy};

#[derive(Debug, Deserialize)]
struct Input {
    text: String,
    #[serde(default)]
    speaker: Option<Speaker>,
    #[serde(default)]
    #[allow(dead_code)] // accepted for symmetry with events; every pack is matched
    language: Option<String>,
}

/// The semantic layer and the playbook's policy for it, when both are there.
#[derive(Clone, Copy)]
pub struct Semantic<'a> {
    pub layer: &'a SemanticLayer,
    pub policy: &'a SemanticPolicy,
}

/// Classifies each stdin line; a line that is not valid input gets an `error` line, so
/// output stays aligned with input. With the semantic layer, customer lines also carry
/// their scores, what the policy makes of them and the closest labelled lines.
pub fn classify_lines(
    engine: &Engine,
    semantic: Option<Semantic<'_>>,
    input: impl BufRead,
    mut out: impl Write,
) -> std::io::Result<()> {
    for (n, line) in input.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let value = match serde_json::from_str::<Input>(&line) {
            Ok(input) => {
                let speaker = input.speaker.unwrap_or(Speaker::Customer);
                let c = engine.classify(&input.text, speaker);
                let mut value = serde_json::to_value(c).unwrap_or_default();
                if let (Some(s), Speaker::Customer) = (semantic, speaker) {
                    value["semantic"] = match s.layer.score(&input.text) {
                        Ok(scores) => json!({
                            "scores": scores.categories,
                            "hits": s.policy.decide(&scores),
                            "angry": s.policy.is_angry(&scores),
                            "nearest": scores.nearest,
                        }),
                        Err(e) => json!({"error": e.to_string()}),
                    };
                }
                value
            }
            Err(e) => {
                json!({"error": format!("line {}: {e}; expected {{\"text\", \"speaker\"?, \"language\"?}}", n + 1)})
            }
        };
        writeln!(out, "{value}")?;
    }
    Ok(())
}

pub struct Floors {
    pub min_precision: Option<f64>,
    pub min_recall: Option<f64>,
    pub min_recall_for: Vec<(String, f64)>,
}

/// Parses `category=recall`.
pub fn parse_floor(s: &str) -> Result<(String, f64), String> {
    let (c, v) = s.split_once('=').ok_or_else(|| {
        format!("--min-recall-for {s:?}: expected CATEGORY=RECALL, e.g. self_harm=1.0")
    })?;
    let v: f64 = v
        .parse()
        .map_err(|_| format!("--min-recall-for {s:?}: {v:?} is not a number"))?;
    Ok((c.to_string(), v))
}

/// What `--eval` prints besides the tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Every line a layer got wrong (a development set).
    Mistakes,
    /// Counts only (a blind set: reading its lines would tune on it).
    Summary,
}

/// Which lines of the file count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subset {
    All,
    Train,
    Validation,
}

/// Evaluates the rules, and with the semantic layer also the model alone and the two
/// combined by the playbook's policy; prints a table for each. The floors are checked on
/// the last layer printed (combined, or the rules alone). Returns the floors missed.
pub fn eval_lines(
    engine: &Engine,
    semantic: Option<Semantic<'_>>,
    lines: &[Labelled],
    subset: Subset,
    floors: &Floors,
    detail: Detail,
    mut out: impl Write,
) -> Result<Vec<String>, String> {
    let lines: Vec<Labelled> = lines
        .iter()
        .filter(|l| match subset {
            Subset::All => true,
            Subset::Train => l.split() == Split::Train,
            Subset::Validation => l.split() == Split::Validation,
        })
        .cloned()
        .collect();
    let io = |e: std::io::Error| e.to_string();
    let rules: Vec<BTreeSet<String>> = lines
        .iter()
        .map(|l| {
            engine
                .classify(&l.text, l.speaker.unwrap_or(Speaker::Customer))
                .categories
                .into_iter()
                .collect()
        })
        .collect();
    let mut reports = vec![("rules", report(&lines, &rules))];
    if let Some(s) = semantic {
        let scores = score_customer_lines(s.layer, &lines)?;
        let model: Vec<BTreeSet<String>> = scores
            .iter()
            .map(|sc| {
                sc.as_ref()
                    .map(|sc| {
                        s.policy
                            .decide(sc)
                            .into_iter()
                            .filter(|h| h.action == SemanticAction::Escalate)
                            .map(|h| h.category)
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .collect();
        // Rules and scores as a live call combines them (a vetoed phrase is a review).
        let (combined, review): (Vec<_>, Vec<_>) = rules
            .iter()
            .zip(&scores)
            .map(|(r, sc)| match sc {
                Some(sc) => {
                    let (escalate, review) = s.policy.combine(r, sc);
                    let both = &escalate | &review;
                    (escalate, both)
                }
                None => (r.clone(), r.clone()),
            })
            .unzip();
        reports.push(("model", report(&lines, &model)));
        reports.push(("combined + review", report(&lines, &review)));
        reports.push(("combined", report(&lines, &combined)));
    }
    writeln!(out, "{} lines ({subset:?})", lines.len()).map_err(io)?;
    for (name, r) in &reports {
        print_table(&mut out, name, r).map_err(io)?;
    }
    let (last_name, last) = reports.last().ok_or("no report")?;
    if detail == Detail::Mistakes {
        for m in &last.mistakes {
            writeln!(
                out,
                "mistake ({last_name}): {:?} missed {:?} spurious {:?}",
                m.text, m.missed, m.spurious
            )
            .map_err(io)?;
        }
    }
    let mut missed = Vec::new();
    for (name, c) in &last.categories {
        if let Some(p) = floors.min_precision.filter(|p| c.precision() < *p) {
            missed.push(format!("{name}: precision {:.3} < {p}", c.precision()));
        }
        if let Some(r) = floors.min_recall.filter(|r| c.recall() < *r) {
            missed.push(format!("{name}: recall {:.3} < {r}", c.recall()));
        }
    }
    for (name, floor) in &floors.min_recall_for {
        match last.categories.get(name) {
            Some(c) if c.recall() < *floor => {
                missed.push(format!("{name}: recall {:.3} < {floor}", c.recall()))
            }
            Some(_) => {}
            None => return Err(format!("--min-recall-for: unknown category {name:?}")),
        }
    }
    Ok(missed)
}

/// Scores of customer lines (agent lines are never scored: `None`), on every core.
fn score_customer_lines(
    layer: &SemanticLayer,
    lines: &[Labelled],
) -> Result<Vec<Option<Scores>>, String> {
    let customer: Vec<usize> = (0..lines.len())
        .filter(|i| lines[*i].speaker != Some(Speaker::Agent))
        .collect();
    let texts: Vec<&str> = customer.iter().map(|i| lines[*i].text.as_str()).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let embeddings = embed_all(layer, &texts, threads).map_err(|e| e.to_string())?;
    let mut scores = vec![None; lines.len()];
    for (i, e) in customer.into_iter().zip(embeddings) {
        scores[i] = Some(layer.heads().score(&e).map_err(|e| e.to_string())?);
    }
    Ok(scores)
}

fn report(lines: &[Labelled], predicted: &[BTreeSet<String>]) -> EvalReport {
    let mut next = predicted.iter();
    evaluate_with(lines, |_| next.next().cloned().unwrap_or_default())
}

fn print_table(out: &mut impl Write, name: &str, r: &EvalReport) -> std::io::Result<()> {
    writeln!(out, "\n== {name}")?;
    writeln!(
        out,
        "{:<20} {:>9} {:>7} {:>4} {:>4} {:>4}",
        "category", "precision", "recall", "tp", "fp", "fn"
    )?;
    let overall = ("overall".to_string(), r.overall.clone());
    let languages = r
        .languages
        .iter()
        .map(|(l, c)| (format!("language {l}"), c.clone()));
    for (name, c) in r
        .categories
        .iter()
        .map(|(n, c)| (n.clone(), c.clone()))
        .chain([overall])
        .chain(languages)
    {
        writeln!(
            out,
            "{name:<20} {:>9.3} {:>7.3} {:>4} {:>4} {:>4}",
            c.precision(),
            c.recall(),
            c.true_positives,
            c.false_positives,
            c.false_negatives
        )?;
    }
    Ok(())
}
