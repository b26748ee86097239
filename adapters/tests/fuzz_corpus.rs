//! The fuzz corpus (`fuzz/corpus/<target>/`), replayed on the stable toolchain through
//! the same calls the fuzz targets make: seeds from the fixtures, hostile shapes, and any
//! input that once crashed a target (add those to the corpus when fixing them).

use std::path::PathBuf;

fn replay(target: &str, run: fn(&[u8])) -> usize {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut replayed = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("entry").path();
        if path.is_file() {
            let data = std::fs::read(&path).expect("readable");
            run(&data);
            replayed += 1;
        }
    }
    replayed
}

#[test]
fn the_normalize_corpus_replays_without_a_panic() {
    let n = replay("normalize", escalator_adapters::fuzzing::normalize);
    assert!(n >= 50, "only {n} inputs in fuzz/corpus/normalize");
}

#[test]
fn the_verify_corpus_replays_without_a_panic() {
    let n = replay("verify", escalator_adapters::fuzzing::verify);
    assert!(n >= 5, "only {n} inputs in fuzz/corpus/verify");
}
