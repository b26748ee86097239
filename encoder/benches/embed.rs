//! One utterance of 20 tokens (the `query: ` prefix, `<s>` and `</s>` included) embedded on
//! one thread — an embedding call never uses another. Before Criterion's run it prints the
//! resident memory the loaded model adds and p50/p95 over 200 calls, as wall time and as
//! the thread's CPU time (which other processes on a shared machine do not inflate).
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

/// CPU time this thread has run, in ns (Linux `schedstat`), or None elsewhere. On a shared
/// machine it shows the call's own cost where wall time also counts waiting for a core.
fn thread_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
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

    let mut wall = Vec::with_capacity(200);
    let mut cpu = Vec::with_capacity(200);
    for _ in 0..200 {
        let (t, c) = (Instant::now(), thread_cpu_ns());
        std::hint::black_box(
            encoder
                .embed(std::hint::black_box(UTTERANCE))
                .expect("embed"),
        );
        wall.push(t.elapsed().as_secs_f64() * 1e3);
        if let (Some(c0), Some(c1)) = (c, thread_cpu_ns()) {
            cpu.push(c1.saturating_sub(c0) as f64 / 1e6);
        }
    }
    let pct = |v: &mut Vec<f64>, p: usize| {
        v.sort_by(f64::total_cmp);
        v[(v.len() * p / 100).min(v.len() - 1)]
    };
    println!(
        "20-token utterance, 200 calls on one thread: wall p50 {:.2} ms, p95 {:.2} ms",
        pct(&mut wall, 50),
        pct(&mut wall, 95)
    );
    if !cpu.is_empty() {
        println!(
            "  CPU time of the calling thread: p50 {:.2} ms, p95 {:.2} ms",
            pct(&mut cpu, 50),
            pct(&mut cpu, 95)
        );
    }
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("  load average: {}", load.trim());
    }

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
