//! The built-in playbook on the project's corpus (`fixtures/corpus/utterances.jsonl`, the
//! shared development set plus the cases found since): precision and recall ≥ 0.95 for
//! every category and recall 1.0 for self-harm.

use escalator::playbook::eval::{evaluate, Labelled};
use escalator::playbook::Engine;

fn corpus() -> Vec<Labelled> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/corpus/utterances.jsonl"
    );
    std::fs::read_to_string(path)
        .expect("corpus readable")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

#[test]
fn builtin_playbook_meets_precision_and_recall_on_the_corpus() {
    let engine = Engine::builtin().expect("built-in playbook is valid");
    let lines = corpus();
    assert!(lines.len() >= 100);
    let report = evaluate(&engine, &lines);
    let mistakes: Vec<String> = report
        .mistakes
        .iter()
        .map(|m| {
            format!(
                "{:?} missed {:?} spurious {:?}",
                m.text, m.missed, m.spurious
            )
        })
        .collect();
    for (category, counts) in &report.categories {
        let (p, r) = (counts.precision(), counts.recall());
        assert!(
            p >= 0.95 && r >= 0.95,
            "{category}: precision {p:.3} recall {r:.3}\n{}",
            mistakes.join("\n")
        );
    }
    let self_harm = &report.categories["self_harm"];
    assert_eq!(self_harm.recall(), 1.0, "{}", mistakes.join("\n"));
}
