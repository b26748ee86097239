//! Text normalization for matching real speech: Unicode and case folding, accents
//! stripped (so "protección" and "proteccion" match alike), typographic apostrophes folded,
//! and speech-to-text spellings and contractions expanded ("im gonna" → "i am going to",
//! "can't" → "can not"). Every normalized token remembers where it came from, so the
//! verbatim span can be cut from what the caller actually said.

use std::collections::HashMap;
use std::sync::OnceLock;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Written forms (apostrophe optional, as speech-to-text often drops it) and what they
/// mean. Ambiguous forms ("ill", "its", "were") are left alone.
const EXPANSIONS: &[(&str, &str)] = &[
    ("i'm", "i am"),
    ("im", "i am"),
    ("i've", "i have"),
    ("ive", "i have"),
    ("i'll", "i will"),
    ("i'd", "i would"),
    ("you're", "you are"),
    ("youre", "you are"),
    ("you'll", "you will"),
    ("youll", "you will"),
    ("you've", "you have"),
    ("you'd", "you would"),
    ("we're", "we are"),
    ("we'll", "we will"),
    ("we've", "we have"),
    ("they're", "they are"),
    ("they'll", "they will"),
    ("theyll", "they will"),
    ("it's", "it is"),
    ("that's", "that is"),
    ("thats", "that is"),
    ("there's", "there is"),
    ("theres", "there is"),
    ("what's", "what is"),
    ("he's", "he is"),
    ("she's", "she is"),
    ("here's", "here is"),
    ("don't", "do not"),
    ("dont", "do not"),
    ("doesn't", "does not"),
    ("doesnt", "does not"),
    ("didn't", "did not"),
    ("didnt", "did not"),
    ("won't", "will not"),
    ("wont", "will not"),
    ("can't", "can not"),
    ("cant", "can not"),
    ("cannot", "can not"),
    ("couldn't", "could not"),
    ("couldnt", "could not"),
    ("wouldn't", "would not"),
    ("wouldnt", "would not"),
    ("shouldn't", "should not"),
    ("isn't", "is not"),
    ("isnt", "is not"),
    ("aren't", "are not"),
    ("wasn't", "was not"),
    ("wasnt", "was not"),
    ("weren't", "were not"),
    ("haven't", "have not"),
    ("havent", "have not"),
    ("hasn't", "has not"),
    ("hadn't", "had not"),
    ("ain't", "is not"),
    ("aint", "is not"),
    ("gonna", "going to"),
    ("gunna", "going to"),
    ("wanna", "want to"),
    ("gotta", "got to"),
    ("gimme", "give me"),
    ("lemme", "let me"),
    ("imma", "i am going to"),
    ("ima", "i am going to"),
    ("'cause", "because"),
    ("cuz", "because"),
    ("coz", "because"),
    ("y'all", "you all"),
    ("ya'll", "you all"),
];

/// A normalized utterance: lower-case words separated by single spaces, with clause
/// punctuation kept as tokens of its own (`.` `,` `;` `!` `?`).
#[derive(Debug, Clone)]
pub struct Normalized<'a> {
    original: &'a str,
    pub text: String,
    /// Per token: (start in `text`, end in `text`, original byte range).
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    start: usize,
    end: usize,
    orig_start: usize,
    orig_end: usize,
}

impl<'a> Normalized<'a> {
    pub fn new(original: &'a str) -> Self {
        let mut out = Normalized {
            original,
            text: String::with_capacity(original.len() + 8),
            tokens: Vec::with_capacity(16),
        };
        let mut word = String::new();
        let mut word_start = 0;
        let mut in_word = false;
        for (i, c) in original.char_indices() {
            let c = fold_apostrophe(c);
            if c.is_alphanumeric()
                || (c == '\'' && in_word)
                || (c == '\'' && starts_cause(original, i))
            {
                if !in_word {
                    word_start = i;
                    in_word = true;
                }
                word.push(c);
                continue;
            }
            if in_word {
                out.push_word(&word, word_start, i);
                word.clear();
                in_word = false;
            }
            if matches!(c, '.' | ',' | ';' | '!' | '?' | ':') {
                out.push_token(
                    if c == ':' {
                        ";"
                    } else {
                        &original[i..i + c.len_utf8()]
                    },
                    i,
                    i + c.len_utf8(),
                );
            }
        }
        if in_word {
            out.push_word(&word, word_start, original.len());
        }
        out
    }

    fn push_word(&mut self, raw: &str, orig_start: usize, orig_end: usize) {
        let folded = fold(raw.trim_end_matches('\''));
        if let Some(expansion) = expansion_of(&folded) {
            for part in expansion.split(' ') {
                self.push_token(part, orig_start, orig_end);
            }
            return;
        }
        // Possessive or unknown clitic: "company's" → "company".
        let base = folded.strip_suffix("'s").unwrap_or(&folded);
        let base = base.replace('\'', "");
        if !base.is_empty() {
            self.push_token(&base, orig_start, orig_end);
        }
    }

    fn push_token(&mut self, token: &str, orig_start: usize, orig_end: usize) {
        if !self.text.is_empty() {
            self.text.push(' ');
        }
        let start = self.text.len();
        self.text.push_str(token);
        self.tokens.push(Token {
            start,
            end: self.text.len(),
            orig_start,
            orig_end,
        });
    }

    /// The caller's own words behind `text[start..end]`.
    pub fn original_span(&self, start: usize, end: usize) -> &'a str {
        let first = self.tokens.iter().find(|t| t.end > start);
        let last = self.tokens.iter().rev().find(|t| t.start < end);
        match (first, last) {
            (Some(f), Some(l)) if f.orig_start <= l.orig_end => self
                .original
                .get(f.orig_start..l.orig_end)
                .unwrap_or(self.original),
            _ => self.original,
        }
    }

    /// Every token of `text`, in order.
    pub fn words(&self) -> impl Iterator<Item = &str> + '_ {
        self.tokens.iter().map(|t| &self.text[t.start..t.end])
    }

    /// The range in `text` of tokens `first..=last`.
    pub fn token_range(&self, first: usize, last: usize) -> Option<(usize, usize)> {
        Some((self.tokens.get(first)?.start, self.tokens.get(last)?.end))
    }

    /// The tokens of `text` before byte `pos`, nearest first.
    pub fn tokens_before(&self, pos: usize) -> impl Iterator<Item = &str> + '_ {
        self.tokens
            .iter()
            .rev()
            .filter(move |t| t.end <= pos)
            .map(|t| &self.text[t.start..t.end])
    }
}

fn fold_apostrophe(c: char) -> char {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{02bc}' | '`' | '\u{b4}' => '\'',
        c => c,
    }
}

fn starts_cause(s: &str, i: usize) -> bool {
    s[i..]
        .get(1..6)
        .is_some_and(|w| w.eq_ignore_ascii_case("cause"))
}

/// What a written form expands to, if it is one of [`EXPANSIONS`].
fn expansion_of(word: &str) -> Option<&'static str> {
    static MAP: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    MAP.get_or_init(|| EXPANSIONS.iter().copied().collect())
        .get(word)
        .copied()
}

/// Lower case, compatibility-decomposed, accents removed.
pub fn fold(s: &str) -> String {
    // Most words are plain ASCII: nothing to decompose.
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    s.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_accents_and_speech_spellings() {
        let n = Normalized::new("IM gonna report you to the Protección del Consumidor, OK?");
        assert_eq!(
            n.text,
            "i am going to report you to the proteccion del consumidor , ok ?"
        );
        let n = Normalized::new("I can’t go on — I won't");
        assert_eq!(n.text, "i can not go on i will not");
    }

    #[test]
    fn spans_come_from_the_original() {
        let n = Normalized::new("Honestly, I’m gonna SUE you");
        let start = n.text.find("sue").unwrap();
        assert_eq!(n.original_span(start, start + 3), "SUE");
        let start = n.text.find("i am going").unwrap();
        assert_eq!(n.original_span(start, start + 10), "I’m gonna");
    }

    #[test]
    fn possessives_drop_the_clitic() {
        assert_eq!(
            Normalized::new("the attorney general's office").text,
            "the attorney general office"
        );
    }
}
