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

/// Callers who fear being sued, who repeat someone else's advice, or who name a regulator
/// about another business (or as an employer) are not threatening; the threats beside them
/// still fire.
#[test]
fn fears_quoted_advice_and_other_businesses_are_not_threats() {
    let engine = Engine::builtin().expect("built-in playbook is valid");
    let categories = |text: &str| {
        engine
            .classify(text, escalator_adapters::Speaker::Customer)
            .categories
    };
    for quiet in [
        "¿me pueden demandar si dejo de pagar la tarjeta?",
        "me da miedo que me lleven a juicio por esa deuda",
        "can you guys sue me if i cancel early?",
        "my brother keeps telling me to threaten to sue but i just want this fixed",
        "no voy a meter abogados por cien pesos, solo quiero mi reembolso",
        "puse una queja en profeco contra la agencia de viajes y necesito un comprobante suyo",
        "mi cuñada trabaja en la condusef y me recomendó su banco",
        "¿ustedes están regulados por la cnmc?",
    ] {
        let c = categories(quiet);
        assert!(
            !c.iter()
                .any(|c| c == "legal_threat" || c == "regulator_mention"),
            "{quiet:?} fired {c:?}"
        );
    }
    for (threat, category) in [
        ("los voy a demandar a todos", "legal_threat"),
        ("i am going to sue you", "legal_threat"),
        (
            "voy a poner una queja en profeco contra ustedes",
            "regulator_mention",
        ),
        (
            "i'm filing a complaint with the fcc about you",
            "regulator_mention",
        ),
    ] {
        let c = categories(threat);
        assert!(c.iter().any(|c| c == category), "{threat:?} fired {c:?}");
    }
}
