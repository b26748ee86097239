//! The `classify` command: which playbook and model to use, then classify, evaluate or
//! train.

use std::path::Path;
use std::process::ExitCode;

use super::{classify_lines, eval_lines, parse_floor, Detail, Floors, Semantic, Subset};
use crate::cli::{ClassifyArgs, SplitArg};
use crate::config::Config;
use crate::playbook::Engine;
use crate::semantic::train::{read_corpus, train};
use crate::semantic::{Heads, SemanticLayer};

pub fn run(args: ClassifyArgs) -> ExitCode {
    match run_inner(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run_inner(args: ClassifyArgs) -> Result<ExitCode, String> {
    let engine = load_engine(args.playbook.as_deref())?;
    if let Some(corpus) = &args.train {
        let out = args.out.as_deref().ok_or("--train needs --out FILE")?;
        return train_heads(&args.model, corpus, out).map(|()| ExitCode::SUCCESS);
    }
    let layer = if args.rules_only {
        None
    } else {
        load_layer(&args.model, args.heads.as_deref())?
    };
    let semantic = match (&layer, engine.semantic()) {
        (Some(layer), Some(policy)) => Some(Semantic { layer, policy }),
        (Some(_), None) => {
            eprintln!("notice: the playbook has no [semantic] section; the rules decide alone");
            None
        }
        _ => None,
    };
    let Some(eval) = args.eval else {
        let stdin = std::io::stdin();
        classify_lines(&engine, semantic, stdin.lock(), std::io::stdout().lock())
            .map_err(|e| e.to_string())?;
        return Ok(ExitCode::SUCCESS);
    };
    let floors = Floors {
        min_precision: args.min_precision,
        min_recall: args.min_recall,
        min_recall_for: args
            .min_recall_for
            .iter()
            .map(|s| parse_floor(s))
            .collect::<Result<Vec<_>, _>>()?,
    };
    let lines = read_corpus(&eval)?;
    let subset = match args.split {
        SplitArg::All => Subset::All,
        SplitArg::Train => Subset::Train,
        SplitArg::Validation => Subset::Validation,
    };
    let detail = if args.summary {
        Detail::Summary
    } else {
        Detail::Mistakes
    };
    let missed = eval_lines(
        &engine,
        semantic,
        &lines,
        subset,
        &floors,
        detail,
        std::io::stdout().lock(),
    )?;
    for m in &missed {
        eprintln!("below threshold: {m}");
    }
    Ok(if missed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn load_engine(playbook: Option<&Path>) -> Result<Engine, String> {
    let engine = match playbook {
        Some(path) => Engine::load(path),
        None => match std::env::var_os("ESCALATOR_CONFIG") {
            Some(cfg) => Config::load(Some(Path::new(&cfg)))
                .map_err(|e| e.to_string())?
                .playbook
                .load(),
            None => Engine::builtin(),
        },
    };
    engine.map_err(|e| e.to_string())
}

/// The semantic layer, or `None` (with a notice) when the model file is not installed.
fn load_layer(model: &Path, heads: Option<&Path>) -> Result<Option<SemanticLayer>, String> {
    if !model.exists() {
        eprintln!(
            "notice: no embedding model at {} (install it with scripts/install-model.sh); the rules decide alone",
            model.display()
        );
        return Ok(None);
    }
    let heads = match heads {
        Some(path) => Heads::from_json(
            &std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?,
        ),
        None => Heads::builtin(),
    }
    .map_err(|e| e.to_string())?;
    SemanticLayer::load(model, heads)
        .map(Some)
        .map_err(|e| e.to_string())
}

fn train_heads(model: &Path, corpus: &Path, out: &Path) -> Result<(), String> {
    let lines = read_corpus(corpus)?;
    // The heads are replaced: load the model with a placeholder of the right size.
    let placeholder = Heads::placeholder(crate::semantic::EMBEDDING_DIM);
    let layer = SemanticLayer::load(model, placeholder).map_err(|e| e.to_string())?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let started = std::time::Instant::now();
    let heads = train(&layer, model, &lines, threads)?;
    std::fs::write(out, heads.to_json()).map_err(|e| format!("{}: {e}", out.display()))?;
    eprintln!(
        "trained {} heads on {} lines in {:.1} s; wrote {}",
        heads.heads.len(),
        lines.len(),
        started.elapsed().as_secs_f64(),
        out.display()
    );
    Ok(())
}
