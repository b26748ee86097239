//! Stemmed views of a normalized utterance, so one phrase covers a word's inflections
//! ("take my life" also finds "taking my life", "demandar" also "demandaré" and
//! "demandarlos"). A Snowball stemmer per language (English, Spanish); in Spanish the
//! object pronouns glued to an infinitive or gerund are split off first ("quitarme" →
//! "quitar me", "demandarlos" → "demandar los").
//!
//! Every stemmed token remembers which normalized token it came from, so a match is
//! mapped back to the normalized text for negation, exceptions and the verbatim span.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};

use super::text::Normalized;

/// Words whose stems a thread keeps per language (a few hundred KB at most); the cache
/// starts over when full.
const STEM_CACHE_WORDS: usize = 4096;

thread_local! {
    static STEM_CACHE: RefCell<[HashMap<String, String>; 2]> = RefCell::default();
}

/// The languages with a stemmer; a `stems` pack is keyed by one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StemLanguage {
    English = 0,
    Spanish = 1,
}

impl StemLanguage {
    pub const ALL: [StemLanguage; 2] = [StemLanguage::English, StemLanguage::Spanish];

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "en" => Some(Self::English),
            "es" => Some(Self::Spanish),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::English => "en",
            Self::Spanish => "es",
        }
    }

    fn stemmer(self) -> &'static Stemmer {
        static ENGLISH: OnceLock<Stemmer> = OnceLock::new();
        static SPANISH: OnceLock<Stemmer> = OnceLock::new();
        match self {
            Self::English => ENGLISH.get_or_init(|| Stemmer::create(Algorithm::English)),
            Self::Spanish => SPANISH.get_or_init(|| Stemmer::create(Algorithm::Spanish)),
        }
    }

    /// One word's stem, handed to `f`. Short words (pronouns, articles, "no") are kept as
    /// they are: stemming them only merges words that phrases tell apart.
    fn with_stem<R>(self, word: &str, f: impl FnOnce(&str) -> R) -> R {
        if word.len() <= 3 || !word.bytes().all(|b| b.is_ascii_alphabetic()) {
            return f(word);
        }
        // Speech repeats a small vocabulary: a per-thread cache of recent stems costs a
        // hash lookup where the stemmer costs a few hundred nanoseconds.
        STEM_CACHE.with(|cache| {
            let mut cache = cache.borrow_mut();
            let map = &mut cache[self as usize];
            if !map.contains_key(word) {
                if map.len() >= STEM_CACHE_WORDS {
                    map.clear();
                }
                let stem = self.stemmer().stem(word).into_owned();
                map.insert(word.to_string(), stem);
            }
            f(map.get(word).map_or(word, String::as_str))
        })
    }

    fn stem_word(self, word: &str) -> String {
        self.with_stem(word, str::to_string)
    }
}

/// Function words frequent in one language and absent from the other: enough to tell the
/// two apart on a sentence, so English speech is not read through Spanish stems (where
/// "copies" would be "copiaron") and the reverse.
const ENGLISH_MARKERS: &[&str] = &[
    "the", "and", "to", "of", "i", "you", "is", "it", "that", "this", "for", "on", "with", "was",
    "have", "be", "not", "my", "are", "they", "will", "what", "just", "am", "do",
];
const SPANISH_MARKERS: &[&str] = &[
    "el", "la", "los", "las", "de", "que", "y", "en", "un", "una", "por", "con", "es", "para",
    "pero", "muy", "ya", "esta", "este", "mi", "yo", "su", "del", "al", "lo", "le", "se",
];

/// Which stem languages an utterance may be in: both when its function words do not
/// tell (a short or mixed line).
pub fn languages_of(normalized: &Normalized<'_>) -> (bool, bool) {
    let (mut english, mut spanish) = (0u32, 0u32);
    for word in normalized.words() {
        // Markers are at most 4 bytes: longer words are neither.
        if word.len() <= 4 {
            english += u32::from(ENGLISH_MARKERS.contains(&word));
            spanish += u32::from(SPANISH_MARKERS.contains(&word));
        }
    }
    (english >= spanish, spanish >= english)
}

/// Spanish object pronouns that attach to an infinitive or gerund, longest first, two
/// attached together ("selo") before one.
const CLITICS: &[&str] = &[
    "noslas", "noslos", "selas", "selos", "melas", "melos", "telas", "telos", "nosla", "noslo",
    "sela", "selo", "mela", "melo", "tela", "telo", "nos", "les", "los", "las", "me", "te", "se",
    "os", "le", "lo", "la",
];
/// Endings of the verb forms clitics attach to (infinitive, gerund).
const CLITIC_HOSTS: &[&str] = &["ar", "er", "ir", "ando", "iendo", "yendo"];

/// `quitarme` → (`quitar`, [`me`]); `demandarselo` → (`demandar`, [`se`, `lo`]).
fn split_clitics(word: &str) -> Option<(&str, Vec<&'static str>)> {
    for clitic in CLITICS {
        let Some(host) = word.strip_suffix(clitic) else {
            continue;
        };
        if host.len() < 4 || !CLITIC_HOSTS.iter().any(|h| host.ends_with(h)) {
            continue;
        }
        // Two pronouns (four letters or more): the first is one of me/te/se/nos.
        let parts = if clitic.len() < 4 {
            vec![*clitic]
        } else if let Some(second) = clitic.strip_prefix("nos") {
            vec!["nos", second]
        } else {
            vec![&clitic[..2], &clitic[2..]]
        };
        return Some((host, parts));
    }
    None
}

/// One word's stem, and in Spanish the pronouns split from it ("quitarme" → "quit me").
fn stem_token(word: &str, language: StemLanguage) -> String {
    if language == StemLanguage::Spanish {
        if let Some((host, clitics)) = split_clitics(word) {
            let mut out = language.stem_word(host);
            for clitic in clitics {
                out.push(' ');
                out.push_str(clitic);
            }
            return out;
        }
    }
    language.stem_word(word)
}

/// An utterance in stems of one language.
#[derive(Debug, Clone)]
pub struct Stemmed {
    pub text: String,
    /// Per stemmed token: its range in `text` and the normalized token it came from.
    tokens: Vec<(usize, usize, usize)>,
}

impl Stemmed {
    pub fn new(normalized: &Normalized<'_>, language: StemLanguage) -> Self {
        let mut out = Stemmed {
            text: String::with_capacity(normalized.text.len()),
            tokens: Vec::with_capacity(16),
        };
        for (index, word) in normalized.words().enumerate() {
            if language == StemLanguage::Spanish {
                if let Some((host, clitics)) = split_clitics(word) {
                    language.with_stem(host, |stem| out.push(stem, index));
                    for clitic in clitics {
                        out.push(clitic, index);
                    }
                    continue;
                }
            }
            language.with_stem(word, |stem| out.push(stem, index));
        }
        out
    }

    fn push(&mut self, token: &str, normalized_index: usize) {
        if !self.text.is_empty() {
            self.text.push(' ');
        }
        let start = self.text.len();
        self.text.push_str(token);
        self.tokens.push((start, self.text.len(), normalized_index));
    }

    /// The normalized tokens (first, last) that `text[start..end]` covers.
    pub fn normalized_tokens(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        let first = self.tokens.iter().find(|t| t.1 > start)?;
        let last = self.tokens.iter().rev().find(|t| t.0 < end)?;
        Some((first.2, last.2))
    }
}

/// A stem phrase as written (a regex over words) with each whole word replaced by its
/// stem, so authors write words ("taking you to court") and not stems. A word is a run of
/// letters that starts after a space, `|`, a group or a quantifier and ends at a space,
/// `|`, `)` or the end; a word an operator applies to or reaches into (`lawyers?`,
/// `abogad[oa]s`, `\w`) is left exactly as written.
pub fn stem_pattern(pattern: &str, language: StemLanguage) -> String {
    let mut out = String::with_capacity(pattern.len());
    let chars: Vec<char> = pattern.chars().collect();
    let starts_word = |c: Option<&char>| {
        c.is_none_or(|c| matches!(c, ' ' | '|' | '(' | ')' | '?' | '*' | '+' | '}' | ':'))
    };
    let ends_word = |c: Option<&char>| c.is_none_or(|c| matches!(c, ' ' | '|' | ')'));
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            out.push(c);
            if let Some(next) = chars.get(i + 1) {
                out.push(*next);
            }
            i += 2;
            continue;
        }
        if c == '[' || c == '{' {
            let close = if c == '[' { ']' } else { '}' };
            while i < chars.len() {
                out.push(chars[i]);
                i += 1;
                if chars[i - 1] == close {
                    break;
                }
            }
            continue;
        }
        if c.is_ascii_alphabetic() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_alphabetic() {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let bounded = (start == 0 || starts_word(chars.get(start - 1)))
                && ends_word(chars.get(i))
                && !(start >= 2 && chars[start - 2] == '\\');
            if bounded {
                out.push_str(&stem_token(&word, language));
            } else {
                out.push_str(&word);
            }
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stems(text: &str, language: StemLanguage) -> String {
        Stemmed::new(&Normalized::new(text), language).text
    }

    #[test]
    fn inflections_share_a_stem() {
        let en = StemLanguage::English;
        assert_eq!(stems("taking my life", en), stems("take my life", en));
        assert_eq!(stems("he is suing us", en), stems("he is sued us", en));
        let es = StemLanguage::Spanish;
        assert_eq!(stems("voy a demandarlos", es), "voy a demand los");
        assert_eq!(stems("quiero quitarme la vida", es), "quier quit me la vid");
        assert_eq!(stems("los demandaremos", es), "los demand");
    }

    #[test]
    fn spanish_clitics_split_only_from_verb_forms() {
        assert_eq!(split_clitics("quitarme"), Some(("quitar", vec!["me"])));
        assert_eq!(
            split_clitics("diciendoselo"),
            Some(("diciendo", vec!["se", "lo"]))
        );
        assert_eq!(
            split_clitics("denunciarnoslas"),
            Some(("denunciar", vec!["nos", "las"]))
        );
        for word in ["tele", "cuarto", "mesa", "coche", "ella", "tarme"] {
            assert_eq!(split_clitics(word), None, "{word}");
        }
    }

    #[test]
    fn patterns_stem_whole_words_and_leave_operators_alone() {
        let en = StemLanguage::English;
        assert_eq!(
            stem_pattern("(taking|took) (you|this) to court", en),
            "(take|took) (you|this) to court"
        );
        assert_eq!(
            stem_pattern(r"lawyers? \w+ court", en),
            r"lawyers? \w+ court"
        );
        assert_eq!(
            stem_pattern("abogad[oa]s?", StemLanguage::Spanish),
            "abogad[oa]s?"
        );
        assert_eq!(stem_pattern(r"(\w+ ){0,2}judge", en), r"(\w+ ){0,2}judg");
        assert_eq!(
            stem_pattern("(quitarme|matarme) la vida", StemLanguage::Spanish),
            "(quit me|mat me) la vid"
        );
    }

    #[test]
    fn function_words_tell_english_from_spanish() {
        let of = |t: &str| languages_of(&Normalized::new(t));
        assert_eq!(of("there are copies of every statement"), (true, false));
        assert_eq!(of("me clonaron la tarjeta en el cajero"), (false, true));
        assert_eq!(of("ok"), (true, true));
    }

    #[test]
    fn matches_map_back_to_normalized_tokens() {
        let n = Normalized::new("I will be demandarlos mañana");
        let s = Stemmed::new(&n, StemLanguage::Spanish);
        let at = s.text.find("los").unwrap();
        assert_eq!(s.normalized_tokens(at, at + 3), Some((3, 3)));
    }
}
