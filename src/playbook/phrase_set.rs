//! Which phrases occur in an utterance, in one pass over it.
//!
//! Phrases use Unicode classes (`\w`, `\b`); compiled for all of Unicode, a set of a hundred
//! such phrases weighs ~6 MB. Most utterances are plain ASCII once normalized (lower case,
//! accents stripped), and on ASCII text the ASCII meaning of those classes is the same, so
//! the set that runs on them is compiled without Unicode (a fraction of the size). The
//! Unicode set is compiled the first time a non-ASCII utterance comes.

use std::sync::OnceLock;

use regex::bytes::{RegexSet as AsciiSet, RegexSetBuilder as AsciiSetBuilder};
use regex::RegexSet;

#[derive(Debug)]
pub struct PhraseSet {
    sources: Vec<String>,
    /// `None` when the ASCII build failed (then the Unicode set serves every utterance).
    ascii: Option<AsciiSet>,
    unicode: OnceLock<Option<RegexSet>>,
}

impl PhraseSet {
    /// `sources` have each been parsed; compiling them together can still fail (size).
    pub fn new(sources: Vec<String>) -> Result<Self, regex::Error> {
        let ascii = AsciiSetBuilder::new(&sources).unicode(false).build().ok();
        let set = Self {
            sources,
            ascii,
            unicode: OnceLock::new(),
        };
        if set.ascii.is_none() {
            // Nothing lighter to run: compile (and check) the Unicode set now.
            let unicode = RegexSet::new(&set.sources)?;
            let _ = set.unicode.set(Some(unicode));
        }
        Ok(set)
    }

    /// The pattern of phrase `index`.
    pub fn source(&self, index: usize) -> &str {
        &self.sources[index]
    }

    /// Indexes (into the sources) of the phrases that occur in `text`.
    pub fn matches(&self, text: &str) -> Vec<usize> {
        if let (true, Some(ascii)) = (text.is_ascii(), &self.ascii) {
            return ascii.matches(text.as_bytes()).into_iter().collect();
        }
        let unicode = self.unicode.get_or_init(|| match RegexSet::new(&self.sources) {
            Ok(set) => Some(set),
            Err(e) => {
                tracing::error!(error = %e, "the playbook's phrases cannot be compiled for non-ASCII text; each phrase is tried alone");
                None
            }
        });
        match unicode {
            Some(set) => set.matches(text).into_iter().collect(),
            // Every phrase is a candidate; the caller locates each with its own regex.
            None => (0..self.sources.len()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> PhraseSet {
        PhraseSet::new(vec![
            r"\b(?:su\w*)(?:\b|$)".into(),
            r"\b(?:abogado)\b".into(),
            r"\b(?:a.b)\b".into(),
        ])
        .unwrap()
    }

    #[test]
    fn ascii_and_unicode_text_find_the_same_phrases() {
        let set = set();
        assert_eq!(set.matches("i will sue you"), [0]);
        assert_eq!(set.matches("mi abogado"), [1]);
        assert_eq!(set.matches("axb"), [2]);
        assert!(set.matches("pursue").is_empty());
        assert!(
            set.unicode.get().is_none(),
            "ASCII text needs no Unicode set"
        );
        // Unicode word characters: "süßer" is one word, so no boundary inside it.
        assert_eq!(set.matches("i will sue über"), [0]);
        assert!(set.matches("gesüßt").is_empty());
        assert_eq!(set.matches("él sues"), [0]);
        assert_eq!(set.matches("a☃b"), [2]);
        assert!(set.unicode.get().is_some());
    }
}
