//! One utterance of 20 tokens (the `query: ` prefix, `<s>` and `</s>` included) embedded on
//! one thread — an embedding call never uses another. Before Criterion's run it prints the
//! resident memory the loaded model adds and p50/p95 over 200 calls.
//!
//! `cargo bench -p escalator-encoder --bench embed` (needs the model file: see
//! scripts/install-model.sh; without it the bench prints a notice and does nothing).
use std::path::PathBuf;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use escalator_encoder::Encoder;

/// 18 content tokens + `<s>` + `</s>`.
const UTTERANCE: &str = "I'm going to sue your company, my lawyer will call you.";

fn model_path() -> PathBuf {
    std::env::var_os("ESCALATOR_MODEL_PATH").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models/multilingual-e5-small-q4.bin"),
        PathBuf::from,
    )
}

/// Resident set size in KiB (Linux), or None elsewhere.
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn bench(c: &mut Criterion) {
    let path = model_path();
    if !path.exists() {
        println!(
            "notice: {} is absent (scripts/install-model.sh installs it); embed bench skipped",
            path.display()
        );
        return;
    }
    let before = rss_kib();
    let started = Instant::now();
    let encoder = Encoder::load(&path).expect("load the model");
    let load_time = started.elapsed();
    let after_load = rss_kib();
    assert_eq!(encoder.token_count(UTTERANCE), 20);
    encoder.embed(UTTERANCE).expect("embed");
    let after_embed = rss_kib();
    if let (Some(b), Some(l), Some(e)) = (before, after_load, after_embed) {
        println!(
            "model load {load_time:.2?}; RSS added: {:.1} MiB after load, {:.1} MiB after the \
             first embedding",
            (l.saturating_sub(b)) as f64 / 1024.0,
            (e.saturating_sub(b)) as f64 / 1024.0
        );
    }

    let mut times: Vec<f64> = (0..200)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(
                encoder
                    .embed(std::hint::black_box(UTTERANCE))
                    .expect("embed"),
            );
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!(
        "20-token utterance, 200 calls on one thread: p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        times[100], times[190], times[199]
    );

    c.bench_function("embed_20_tokens", |b| {
        b.iter(|| {
            encoder
                .embed(std::hint::black_box(UTTERANCE))
                .expect("embed")
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
