//! The built-in playbook: classifying one utterance, and loading (parse + validate +
//! compile every phrase). Run: `cargo bench --bench playbook`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use escalator::playbook::Engine;
use escalator_adapters::Speaker;

fn classify(c: &mut Criterion) {
    let engine = Engine::builtin().expect("built-in playbook");
    let mut group = c.benchmark_group("playbook");
    for (name, text) in [
        ("no trigger", "Hi, I'm calling because my last bill looks higher than usual and I'd like to understand why"),
        ("legal threat", "If this isn't sorted by Friday I'm going to sue you and the whole company"),
        ("spanish", "Quiero hablar con un supervisor, esto es inaceptable"),
    ] {
        group.bench_function(format!("classify one utterance ({name})"), |b| {
            b.iter(|| black_box(engine.classify(black_box(text), Speaker::Customer)))
        });
    }
    group.bench_function("load built-in playbook", |b| {
        b.iter(|| black_box(Engine::builtin().expect("valid")))
    });
    group.finish();
}

criterion_group!(benches, classify);
criterion_main!(benches);
