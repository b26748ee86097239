//! `escalator classify`: the playbook on single utterances, and its evaluation.

use std::io::{BufRead, Write};

use escalator_adapters::Speaker;
use serde::Deserialize;
use serde_json::json;

use crate::playbook::eval::{evaluate, Labelled};
use crate::playbook::Engine;

#[derive(Debug, Deserialize)]
struct Input {
    text: String,
    #[serde(default)]
    speaker: Option<Speaker>,
    #[serde(default)]
    #[allow(dead_code)] // accepted for symmetry with events; every pack is matched
    language: Option<String>,
}

/// Classifies each stdin line; a line that is not valid input gets an `error` line, so
/// output stays aligned with input.
pub fn classify_lines(
    engine: &Engine,
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
                let c = engine.classify(&input.text, input.speaker.unwrap_or(Speaker::Customer));
                serde_json::to_value(c).unwrap_or_default()
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

/// Prints the evaluation; returns the floors that were missed.
pub fn eval_file(
    engine: &Engine,
    text: &str,
    floors: &Floors,
    mut out: impl Write,
) -> Result<Vec<String>, String> {
    let mut lines = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let l: Labelled = serde_json::from_str(line).map_err(|e| {
            format!(
                "line {}: {e}; expected {{\"text\", \"speaker\", \"labels\"}}",
                n + 1
            )
        })?;
        lines.push(l);
    }
    let report = evaluate(engine, &lines);
    let io = |e: std::io::Error| e.to_string();
    writeln!(
        out,
        "{:<20} {:>9} {:>7} {:>4} {:>4} {:>4}",
        "category", "precision", "recall", "tp", "fp", "fn"
    )
    .map_err(io)?;
    let mut missed = Vec::new();
    for (name, c) in report
        .categories
        .iter()
        .chain([(&"overall".to_string(), &report.overall)])
    {
        writeln!(
            out,
            "{name:<20} {:>9.3} {:>7.3} {:>4} {:>4} {:>4}",
            c.precision(),
            c.recall(),
            c.true_positives,
            c.false_positives,
            c.false_negatives
        )
        .map_err(io)?;
        if name == "overall" {
            continue;
        }
        if let Some(p) = floors.min_precision.filter(|p| c.precision() < *p) {
            missed.push(format!("{name}: precision {:.3} < {p}", c.precision()));
        }
        if let Some(r) = floors.min_recall.filter(|r| c.recall() < *r) {
            missed.push(format!("{name}: recall {:.3} < {r}", c.recall()));
        }
    }
    for (language, c) in &report.languages {
        writeln!(
            out,
            "{:<20} {:>9.3} {:>7.3} {:>4} {:>4} {:>4}",
            format!("language {language}"),
            c.precision(),
            c.recall(),
            c.true_positives,
            c.false_positives,
            c.false_negatives
        )
        .map_err(io)?;
    }
    for (name, floor) in &floors.min_recall_for {
        match report.categories.get(name) {
            Some(c) if c.recall() < *floor => {
                missed.push(format!("{name}: recall {:.3} < {floor}", c.recall()))
            }
            Some(_) => {}
            None => return Err(format!("--min-recall-for: unknown category {name:?}")),
        }
    }
    for m in &report.mistakes {
        writeln!(
            out,
            "mistake: {:?} missed {:?} spurious {:?}",
            m.text, m.missed, m.spurious
        )
        .map_err(io)?;
    }
    Ok(missed)
}
