//! A deterministic stand-in for the real scorer (the encoder and its heads are tested on
//! their own): marker words in an utterance set a category's score, and a gate can hold
//! every score until the test releases it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use escalator::semantic::{Neighbour, ScoreError, Scorer, Scores};

/// Marker word → (category, score). Each is a word no phrase rule knows.
const MARKERS: [(&str, &str, f32); 5] = [
    // Confident fraud: escalates (threshold 0.9).
    ("zebra", "fraud", 0.95),
    // Less confident legal threat: review (0.5 ≤ 0.6 < 0.9).
    ("walrus", "legal_threat", 0.6),
    // Confident legal threat.
    ("kestrel", "legal_threat", 0.95),
    // Self-harm exactly at its threshold (0.5).
    ("heron", "self_harm", 0.5),
    // Anger above the playbook's anger threshold (0.8).
    ("hornet", "anger", 0.9),
];

/// The labelled line every score carries as its evidence.
pub const NEAREST: &str = "someone opened a card in my name";

#[derive(Default)]
pub struct Markers {
    gate: Option<Arc<Gate>>,
    calls: AtomicUsize,
}

impl Markers {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Scores wait at `gate` until it opens.
    pub fn gated(gate: Arc<Gate>) -> Arc<Self> {
        Arc::new(Self {
            gate: Some(gate),
            calls: AtomicUsize::new(0),
        })
    }

    /// Utterances scored (or being scored) so far.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl Scorer for Markers {
    fn score(&self, text: &str) -> Result<Scores, ScoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if let Some(gate) = &self.gate {
            gate.pass();
        }
        let text = text.to_lowercase();
        let mut categories: Vec<(String, f32)> = ["fraud", "legal_threat", "self_harm", "anger"]
            .iter()
            .map(|c| (c.to_string(), 0.02))
            .collect();
        for (marker, category, score) in MARKERS {
            if text.contains(marker) {
                if let Some(entry) = categories.iter_mut().find(|(c, _)| c == category) {
                    entry.1 = score;
                }
            }
        }
        Ok(Scores {
            categories,
            nearest: vec![Neighbour {
                text: NEAREST.into(),
                labels: vec!["fraud".into()],
                similarity: 0.81,
            }],
        })
    }
}

/// Holds scores (on their blocking threads) until opened.
#[derive(Default)]
pub struct Gate {
    state: Mutex<(bool, usize)>,
    turn: Condvar,
}

impl Gate {
    pub fn closed() -> Arc<Self> {
        Arc::new(Self::default())
    }

    pub fn open(&self) {
        self.state.lock().unwrap().0 = true;
        self.turn.notify_all();
    }

    /// Waits for the gate, at most 20 s: a test that fails before opening it must still
    /// end (its runtime waits for the blocking thread).
    fn pass(&self) {
        let mut state = self.state.lock().unwrap();
        state.1 += 1;
        let (state, _) = self
            .turn
            .wait_timeout_while(state, Duration::from_secs(20), |s| !s.0)
            .unwrap();
        drop(state);
    }

    /// Waits until `n` scores have reached the gate.
    pub async fn reached(&self, n: usize) {
        for _ in 0..400 {
            if self.state.lock().unwrap().1 >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("{n} scores never reached the gate");
    }
}
