//! The issue summary: what the call is about, in the caller's own earlier words.
//!
//! Extractive and deterministic, so a supervisor (or QA) can see why each line was chosen:
//!
//! 1. Every caller turn before the trigger is scored: one point per content word (at most
//!    [`CONTENT_CAP`]), [`CUE_POINTS`] per topic cue ("I'm calling about", "my bill", "the
//!    charge", "llamo por", "el cargo"…), [`AMOUNT_POINTS`] when it names an amount and
//!    [`PRODUCT_POINTS`] per product word (bill, order, card, factura, pedido…, at most
//!    three). Greetings, fillers and yes/no answers ("Hi, good morning", "Sí, claro") have
//!    no content word and score nothing.
//! 2. A turn scoring under [`MIN_SCORE`] is never chosen. The best turn is chosen; the
//!    second best too when it has a topic cue, a product word or an amount and scores at
//!    least 60 % of the best (small talk does not ride along).
//! 3. They are shown in call order, joined with " / ". A turn longer than
//!    [`PART_MAX_CHARS`] is replaced by its best sentence, cut at a word with an ellipsis if
//!    still too long. Ties go to the earlier turn or sentence.
//!
//! When no earlier turn qualifies (the trigger is the caller's first real turn), the
//! trigger's own turn is scored the same way and is the summary if it qualifies ("I'm
//! calling about the $600 charge, get me a manager"); else there is no summary, since the
//! trigger's words are in the briefing's quote anyway and repeating them would claim to
//! know the issue when nobody said it.

use crate::playbook::text::fold;
use crate::session::{amounts_in, Turn};

/// Points for content words are capped, so one rambling turn does not beat a clear one.
pub const CONTENT_CAP: u32 = 10;
pub const CUE_POINTS: u32 = 4;
pub const AMOUNT_POINTS: u32 = 3;
pub const PRODUCT_POINTS: u32 = 2;
/// The least a turn must score to be chosen.
pub const MIN_SCORE: u32 = 4;
/// Longest part of a summary taken from one turn, in characters.
pub const PART_MAX_CHARS: usize = 160;

/// What the call is about, and the caller's turns it was taken from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub text: String,
    /// Utterance ids, in call order.
    pub from: Vec<String>,
}

/// Phrases that say what the call is about (folded: lower case, no accents or apostrophes).
const CUES: &[&str] = &[
    "calling about",
    "calling because",
    "calling regarding",
    "calling to",
    "call about",
    "reason for my call",
    "the reason im calling",
    "my bill",
    "my account",
    "my order",
    "my card",
    "my payment",
    "my refund",
    "my subscription",
    "my plan",
    "my package",
    "my delivery",
    "my contract",
    "my claim",
    "the charge",
    "a charge",
    "charged me",
    "was charged",
    "been charged",
    "double charged",
    "overcharged",
    "problem with",
    "issue with",
    "trouble with",
    "not working",
    "doesnt work",
    "never arrived",
    "want to cancel",
    "llamo por",
    "llamo porque",
    "llamo para",
    "llamando por",
    "el motivo",
    "el cargo",
    "un cargo",
    "mi factura",
    "mi cuenta",
    "mi pedido",
    "mi tarjeta",
    "mi pago",
    "mi reembolso",
    "mi plan",
    "mi paquete",
    "mi contrato",
    "me cobraron",
    "me cobran",
    "problema con",
    "no funciona",
    "nunca llego",
    "quiero cancelar",
];

/// Words naming what a call is usually about.
const PRODUCTS: &[&str] = &[
    "bill",
    "billing",
    "invoice",
    "charge",
    "charged",
    "charges",
    "refund",
    "payment",
    "account",
    "order",
    "card",
    "plan",
    "subscription",
    "internet",
    "service",
    "package",
    "delivery",
    "contract",
    "fee",
    "fees",
    "statement",
    "loan",
    "policy",
    "claim",
    "warranty",
    "factura",
    "cargo",
    "cargos",
    "cobro",
    "reembolso",
    "pago",
    "cuenta",
    "pedido",
    "tarjeta",
    "servicio",
    "paquete",
    "entrega",
    "contrato",
    "cuota",
    "tarifa",
    "poliza",
    "reclamo",
    "garantia",
    "suscripcion",
];

/// Greetings, fillers, yes/no answers and function words (English and Spanish): never
/// content.
const STOP: &[&str] = &[
    // English fillers and greetings
    "hi",
    "hello",
    "hey",
    "yes",
    "yeah",
    "yep",
    "yup",
    "nope",
    "okay",
    "sure",
    "thanks",
    "thank",
    "good",
    "morning",
    "afternoon",
    "evening",
    "fine",
    "great",
    "right",
    "well",
    "hmm",
    "uh",
    "um",
    "umm",
    "alright",
    "bye",
    "please",
    "sorry",
    "cool",
    "perfect",
    "exactly",
    "correct",
    "absolutely",
    "wait",
    "hold",
    "one",
    "second",
    "moment",
    // English function words
    "the",
    "and",
    "for",
    "you",
    "your",
    "yours",
    "that",
    "this",
    "these",
    "those",
    "with",
    "was",
    "were",
    "are",
    "have",
    "has",
    "had",
    "not",
    "but",
    "can",
    "could",
    "would",
    "will",
    "shall",
    "should",
    "just",
    "what",
    "when",
    "where",
    "who",
    "how",
    "why",
    "there",
    "here",
    "they",
    "them",
    "then",
    "than",
    "from",
    "about",
    "into",
    "our",
    "out",
    "its",
    "im",
    "ive",
    "ill",
    "id",
    "dont",
    "didnt",
    "doesnt",
    "cant",
    "wont",
    "isnt",
    "wasnt",
    "did",
    "does",
    "get",
    "got",
    "been",
    "being",
    "some",
    "any",
    "all",
    "very",
    "really",
    "also",
    "like",
    "know",
    "want",
    "need",
    "mean",
    "said",
    "say",
    "going",
    "gonna",
    "something",
    "thing",
    "things",
    "now",
    "today",
    "still",
    "again",
    "too",
    "much",
    "more",
    "him",
    "her",
    "his",
    "she",
    "its",
    "who",
    "whom",
    "which",
    "there",
    "theres",
    "thats",
    "whats",
    "youre",
    "were",
    "them",
    "myself",
    "yourself",
    "okay",
    "let",
    "lets",
    "talk",
    "speak",
    "calling",
    "call",
    "called",
    // Spanish fillers and greetings
    "hola",
    "buenas",
    "buenos",
    "dias",
    "tardes",
    "noches",
    "claro",
    "vale",
    "gracias",
    "bueno",
    "pues",
    "perdon",
    "adios",
    "muy",
    "bien",
    "okey",
    "nada",
    "listo",
    "exacto",
    "correcto",
    "momento",
    "espere",
    "favor",
    // Spanish function words
    "que",
    "los",
    "las",
    "una",
    "uno",
    "unos",
    "unas",
    "por",
    "para",
    "con",
    "del",
    "pero",
    "como",
    "esta",
    "este",
    "esto",
    "eso",
    "esa",
    "estoy",
    "estan",
    "mas",
    "hay",
    "porque",
    "cuando",
    "donde",
    "quien",
    "sus",
    "mis",
    "tus",
    "nos",
    "les",
    "ser",
    "fue",
    "son",
    "era",
    "sobre",
    "desde",
    "hasta",
    "entre",
    "todo",
    "algo",
    "aqui",
    "alla",
    "usted",
    "ustedes",
    "ella",
    "ellos",
    "yo",
    "tengo",
    "tiene",
    "quiero",
    "puede",
    "llamo",
    "llamando",
    "hablar",
    "ahora",
    "hoy",
    "tambien",
    "solo",
    "sin",
    "mucho",
];

/// How one piece of text scored, for the summary and for explaining it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Score {
    pub content: u32,
    pub cues: u32,
    pub amount: bool,
    pub products: u32,
}

impl Score {
    pub fn total(&self) -> u32 {
        self.content.min(CONTENT_CAP)
            + self.cues * CUE_POINTS
            + if self.amount { AMOUNT_POINTS } else { 0 }
            + self.products.min(3) * PRODUCT_POINTS
    }

    /// It says something about a topic, not only many words.
    fn topical(&self) -> bool {
        self.cues > 0 || self.amount || self.products > 0
    }
}

/// Lower case, no accents, no apostrophes, words separated by single spaces.
fn words(text: &str) -> Vec<String> {
    fold(text)
        .replace(['\'', '’'], "")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Scores `text` (see the module's documentation).
pub fn score(text: &str) -> Score {
    let words = words(text);
    let content = words
        .iter()
        .filter(|w| w.chars().count() >= 3 && !w.chars().all(|c| c.is_ascii_digit()))
        .filter(|w| !STOP.contains(&w.as_str()))
        .count();
    let joined = format!(" {} ", words.join(" "));
    let cues = CUES
        .iter()
        .filter(|c| joined.contains(&format!(" {c} ")))
        .count();
    let products = words
        .iter()
        .filter(|w| PRODUCTS.contains(&w.as_str()))
        .count();
    Score {
        content: u32::try_from(content).unwrap_or(u32::MAX),
        cues: u32::try_from(cues).unwrap_or(u32::MAX),
        amount: !amounts_in(text).is_empty(),
        products: u32::try_from(products).unwrap_or(u32::MAX),
    }
}

/// The issue summary from the caller's turns before the trigger, else from the trigger's
/// own turn (see the module's documentation).
pub fn summarize(earlier: &[&Turn], trigger: Option<&Turn>) -> Option<Summary> {
    let scored: Vec<(usize, &Turn, Score)> = earlier
        .iter()
        .enumerate()
        .map(|(i, t)| (i, *t, score(&t.text)))
        .filter(|(_, _, s)| s.total() >= MIN_SCORE)
        .collect();
    if scored.is_empty() {
        let t = trigger?;
        return (score(&t.text).total() >= MIN_SCORE).then(|| Summary {
            text: part(&t.text),
            from: vec![t.utterance_id.clone()],
        });
    }
    let mut ranked = scored.clone();
    // Best first; the earlier turn wins a tie.
    ranked.sort_by(|a, b| b.2.total().cmp(&a.2.total()).then(a.0.cmp(&b.0)));
    let best = ranked[0];
    let mut chosen = vec![best];
    if let Some(second) = ranked.get(1) {
        if second.2.topical() && second.2.total() * 10 >= best.2.total() * 6 {
            chosen.push(*second);
        }
    }
    chosen.sort_by_key(|c| c.0);
    Some(Summary {
        text: chosen
            .iter()
            .map(|(_, t, _)| part(&t.text))
            .collect::<Vec<_>>()
            .join(" / "),
        from: chosen
            .iter()
            .map(|(_, t, _)| t.utterance_id.clone())
            .collect(),
    })
}

/// A turn as it appears in a summary: whole when short, else its best sentence, cut at a
/// word with an ellipsis when still too long.
fn part(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() <= PART_MAX_CHARS {
        return text.to_string();
    }
    let sentences = sentences(text);
    let best = sentences
        .iter()
        .enumerate()
        .max_by(|(i, a), (j, b)| score(a).total().cmp(&score(b).total()).then(j.cmp(i)))
        .map(|(_, s)| *s)
        .unwrap_or(text);
    cut_at_word(best, PART_MAX_CHARS)
}

/// Sentences of `text`, each with its closing punctuation.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if matches!(c, '.' | '?' | '!' | ';') {
            let end = i + c.len_utf8();
            let s = text[start..end].trim();
            if !s.is_empty() {
                out.push(s);
            }
            start = end;
        }
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

/// At most `max` characters, cut after a whole word where there is one, ending in "…".
fn cut_at_word(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let head: String = text.chars().take(max.saturating_sub(1)).collect();
    let cut = match head.rfind(char::is_whitespace) {
        Some(i) if i > max / 2 => head[..i].trim_end(),
        _ => head.trim_end(),
    };
    let cut = cut.trim_end_matches([',', ';', ':']);
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;

    use super::*;

    fn turns(lines: &[&str]) -> Vec<Turn> {
        lines
            .iter()
            .enumerate()
            .map(|(i, l)| Turn {
                utterance_id: format!("u{}", i + 1),
                at: Timestamp::from_second(1_780_000_000 + i as i64).unwrap(),
                text: (*l).to_string(),
                language: None,
            })
            .collect()
    }

    /// The summary of a call whose last line is the trigger.
    fn summary_of(lines: &[&str]) -> Option<Summary> {
        let all = turns(lines);
        let (trigger, earlier) = all.split_last()?;
        let earlier: Vec<&Turn> = earlier.iter().collect();
        summarize(&earlier, Some(trigger))
    }

    #[test]
    fn the_issue_stated_early_beats_greetings_small_talk_and_the_trigger() {
        let s = summary_of(&[
            "Hi, good morning.",
            "Yes, thanks.",
            "I'm calling about my bill. You charged me $89.99 twice this month.",
            "Oh it's raining here, but that's fine.",
            "Yeah.",
            "This is ridiculous, get me your supervisor.",
        ])
        .unwrap();
        assert_eq!(
            s.text,
            "I'm calling about my bill. You charged me $89.99 twice this month."
        );
        assert_eq!(s.from, vec!["u3"]);
    }

    #[test]
    fn two_turns_on_the_topic_are_kept_in_call_order() {
        let s = summary_of(&[
            "Hello.",
            "My order never arrived, it was a washing machine.",
            "Sure.",
            "And I was charged a $45 delivery fee for it.",
            "I want to talk to a manager.",
        ])
        .unwrap();
        assert_eq!(
            s.text,
            "My order never arrived, it was a washing machine. / And I was charged a $45 delivery fee for it."
        );
        assert_eq!(s.from, vec!["u2", "u4"]);
    }

    #[test]
    fn spanish_calls_are_summarized_too() {
        let s = summary_of(&[
            "Hola, buenas tardes.",
            "Sí, claro.",
            "Llamo por un cargo de 200 dólares en mi factura que no reconozco.",
            "Vale, gracias.",
            "Quiero hablar con un supervisor ahora mismo.",
        ])
        .unwrap();
        assert_eq!(
            s.text,
            "Llamo por un cargo de 200 dólares en mi factura que no reconozco."
        );
        assert_eq!(s.from, vec!["u3"]);
    }

    #[test]
    fn a_call_whose_only_turn_is_the_trigger() {
        // The trigger says what the call is about: it is the summary.
        let s = summary_of(&["I'm calling about the $600 charge on my card, get me a manager."])
            .unwrap();
        assert_eq!(
            s.text,
            "I'm calling about the $600 charge on my card, get me a manager."
        );
        assert_eq!(s.from, vec!["u1"]);
        // It does not: no summary (the quote is in the briefing anyway).
        assert_eq!(summary_of(&["Let me speak to your manager."]), None);
        // Only greetings before it: the same.
        assert_eq!(summary_of(&["Hi.", "Yes.", "Manager, now."]), None);
    }

    #[test]
    fn a_very_long_turn_gives_its_best_sentence_cut_at_a_word() {
        let long = format!(
            "Well so I was at home on Tuesday and my neighbour came over and we talked for a \
             while about the garden. {} The reason I'm calling is my internet plan was \
             changed without asking and my bill went up to $120. Anyway that's the story.",
            "Then we had coffee and talked about the weather and the kids and the school. "
                .repeat(6)
        );
        let s = summary_of(&[&long, "I want a supervisor."]).unwrap();
        assert_eq!(
            s.text,
            "The reason I'm calling is my internet plan was changed without asking and my bill went up to $120."
        );
        let very = format!("My bill is wrong {}", "because of reasons ".repeat(30));
        let s = summary_of(&[&very, "Supervisor please."]).unwrap();
        assert!(s.text.chars().count() <= PART_MAX_CHARS, "{}", s.text);
        assert!(s.text.ends_with('…'));
        assert!(s.text.starts_with("My bill is wrong because"));
    }

    #[test]
    fn small_talk_does_not_ride_along_with_the_issue() {
        let s = summary_of(&[
            "I have a problem with my account, the card payment keeps failing.",
            "We just moved to Denver from Portland last summer with the whole family.",
            "Get me a supervisor.",
        ])
        .unwrap();
        assert_eq!(s.from, vec!["u1"]);
    }

    #[test]
    fn the_same_call_gives_the_same_summary() {
        let lines = [
            "Hello there.",
            "My package was damaged and the refund never came.",
            "The claim number is 5521, I opened it last week.",
            "I'll sue you.",
        ];
        assert_eq!(summary_of(&lines), summary_of(&lines));
        assert!(score("Hi, good morning").total() == 0);
        assert!(score("Sí, claro, gracias").total() == 0);
    }
}
