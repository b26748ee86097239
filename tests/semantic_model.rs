//! The semantic layer on the real model (installed by scripts/install-model.sh; these
//! tests print a notice and pass without it): the built-in heads and the playbook's
//! thresholds hold their measured figures on the corpus's validation families, and the
//! heads are in step with the corpus they were trained on.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use escalator::playbook::eval::{evaluate_with, Labelled, Split, LABELLED};
use escalator::playbook::Engine;
use escalator::semantic::train::{corpus_hash, embed_all, read_corpus};
use escalator::semantic::{Heads, Scorer, SemanticLayer};
use escalator_adapters::Speaker;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn model() -> Option<PathBuf> {
    let path = std::env::var_os("ESCALATOR_SEMANTIC_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("models/multilingual-e5-small-q4.bin"));
    if path.exists() {
        Some(path)
    } else {
        eprintln!(
            "notice: no embedding model at {}; skipped (run scripts/install-model.sh)",
            path.display()
        );
        None
    }
}

fn training_corpus() -> Vec<Labelled> {
    read_corpus(&root().join("fixtures/corpus/train")).expect("corpus readable")
}

#[test]
fn the_builtin_heads_were_trained_on_the_corpus_as_it_is() {
    let heads = Heads::builtin().expect("built-in heads parse");
    assert_eq!(
        heads.corpus,
        corpus_hash(&training_corpus()),
        "fixtures/corpus/train changed since the heads were trained: run \
         `escalator classify --train fixtures/corpus/train --out playbook/semantic-heads.json`"
    );
    let categories: BTreeSet<&str> = heads.categories().collect();
    for c in LABELLED {
        assert!(categories.contains(c), "no head for {c}");
    }
}

#[test]
fn the_training_corpus_has_the_composition_the_issue_asks_for() {
    let lines = training_corpus();
    let n = lines.len() as f64;
    assert!(lines.len() >= 3000, "{} lines", lines.len());
    let spanish = lines
        .iter()
        .filter(|l| l.language.as_deref() == Some("es"))
        .count();
    assert!(spanish as f64 / n >= 0.30, "{spanish} Spanish lines");
    let unlabelled = lines.iter().filter(|l| l.labels.is_empty()).count();
    assert!(
        unlabelled as f64 / n >= 0.30,
        "{unlabelled} lines without a label"
    );
    let agent = lines
        .iter()
        .filter(|l| l.speaker == Some(Speaker::Agent))
        .count();
    assert!(
        (0.07..=0.13).contains(&(agent as f64 / n)),
        "{agent} agent lines"
    );
    assert!(lines
        .iter()
        .filter(|l| l.speaker == Some(Speaker::Agent))
        .all(|l| l.labels.is_empty()));
    for c in LABELLED {
        let positives = lines
            .iter()
            .filter(|l| l.labels.iter().any(|x| x == c))
            .count();
        assert!(positives >= 300, "{c}: {positives} positives");
    }
    let validation = lines
        .iter()
        .filter(|l| l.split() == Split::Validation)
        .count();
    assert!(
        (0.1..=0.3).contains(&(validation as f64 / n)),
        "{validation} validation lines"
    );
}

#[test]
fn rules_and_model_together_hold_their_figures_on_the_validation_families() {
    let Some(model) = model() else { return };
    let engine = Engine::builtin().expect("built-in playbook");
    let policy = engine
        .semantic()
        .expect("the built-in playbook has [semantic]");
    let layer = SemanticLayer::load(&model, Heads::builtin().expect("heads")).expect("model loads");
    let lines: Vec<Labelled> = training_corpus()
        .into_iter()
        .filter(|l| l.split() == Split::Validation)
        .collect();
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    let embeddings = embed_all(&layer, &texts, 2).expect("embeddings");
    // Each line as a live call decides it: escalations, and escalations plus reviews.
    let decided: Vec<(BTreeSet<String>, BTreeSet<String>)> = lines
        .iter()
        .zip(&embeddings)
        .map(|(line, embedding)| {
            let speaker = line.speaker.unwrap_or(Speaker::Customer);
            let rules: BTreeSet<String> = engine
                .classify(&line.text, speaker)
                .categories
                .into_iter()
                .collect();
            if speaker != Speaker::Customer {
                return (rules.clone(), rules);
            }
            let scores = layer.heads().score(embedding).expect("scores");
            let (escalate, review) = policy.combine(&rules, &scores);
            let alerted = &escalate | &review;
            (escalate, alerted)
        })
        .collect();
    let mut next = decided.iter().map(|d| d.0.clone());
    let report = evaluate_with(&lines, |_| next.next().expect("one a line"));
    let mut next = decided.iter().map(|d| d.1.clone());
    let alerted = evaluate_with(&lines, |_| next.next().expect("one a line"));
    // Measured when the heads and thresholds were set (docs/playbook.md, "The semantic
    // layer"): precision 0.917, recall 0.943; self-harm recall 0.962 escalated, 0.987
    // escalated or alerted. A drop of more than ~0.02 is a regression.
    let (p, r) = (report.overall.precision(), report.overall.recall());
    assert!(p >= 0.89 && r >= 0.92, "precision {p:.3} recall {r:.3}");
    let self_harm = report.categories["self_harm"].recall();
    assert!(self_harm >= 0.94, "self_harm recall {self_harm:.3}");
    let self_harm = alerted.categories["self_harm"].recall();
    assert!(
        self_harm >= 0.97,
        "self_harm recall (escalated or alerted) {self_harm:.3}"
    );
    // The scorer trait gives what the heads give.
    let direct = layer.score(&lines[0].text).expect("score");
    let via_heads = layer.heads().score(&embeddings[0]).expect("score");
    assert_eq!(direct.categories, via_heads.categories);
}
