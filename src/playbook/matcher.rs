//! Compiled phrase packs: one `RegexSet` over every phrase of every category and language
//! finds which phrases occur in one pass; only those are then located for their span and
//! checked against negation and the category's exceptions.

use std::sync::OnceLock;

use regex::Regex;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use super::file::{
    line_of, CategoryKind, PlaybookError, PlaybookFile, SpeakerFilter, KNOWN_CATEGORIES,
};
use super::phrase_set::PhraseSet;
use super::stem::{languages_of, stem_pattern, StemLanguage, Stemmed};
use super::text::Normalized;

/// Words that disavow what follows them ("i am not going to sue").
const NEGATORS: &[&str] = &[
    "not", "never", "no", "nunca", "without", "sin", "tampoco", "ni", "ningun", "ninguna", "nadie",
];
/// Words allowed between a negator and the phrase it negates. Anything else (a verb like
/// "refund" in "if you do not refund it my lawyer…") ends the negation's scope.
const NEGATION_BRIDGE: &[&str] = &[
    "going",
    "to",
    "want",
    "planning",
    "plan",
    "trying",
    "try",
    "intend",
    "intending",
    "be",
    "will",
    "would",
    "ever",
    "rather",
    "need",
    "needed",
    "for",
    "the",
    "a",
    "an",
    "any",
    "get",
    "getting",
    "involve",
    "involving",
    "take",
    "taking",
    "i",
    "am",
    "do",
    "really",
    "even",
    "actually",
    "have",
    "had",
    "threatening",
    "threaten",
    "thinking",
    "of",
    "about",
    "looking",
    "quiero",
    "voy",
    "vamos",
    "pienso",
    "necesito",
    "al",
    "la",
    "el",
    "que",
    "me",
    "te",
    "se",
    "es",
    "having",
    "thoughts",
    "tengo",
    "pensamientos",
    "de",
    "he",
    "pensado",
    "en",
    "a",
    "los",
    "las",
    "les",
    "ir",
    "para",
    "interesa",
    "vaya",
    "bring",
    "make",
    "fuss",
    "call",
    "calling",
    "bothered",
    "with",
    "type",
    "anyone",
    "in",
    "trouble",
    "send",
    "hace",
    "falta",
    "meter",
    "amenazando",
    "con",
    "poner",
    "queja",
    "escribir",
    "le",
    "lo",
    "soy",
];
const MAX_BRIDGE: usize = 4;

#[derive(Debug)]
pub struct Category {
    pub name: String,
    pub kind: CategoryKind,
    pub team: Option<String>,
    pub speaker: SpeakerFilter,
    negation: bool,
    except: Vec<Regex>,
    labels: Option<Regex>,
}

impl Category {
    /// The label word that puts an agent-chosen label in this category.
    pub fn label_match<'t>(&self, label: &'t str) -> Option<&'t str> {
        self.labels.as_ref()?.find(label).map(|m| m.as_str())
    }
}

#[derive(Debug)]
struct Phrase {
    category: usize,
    rule_id: String,
    /// The phrase's own regex (its pattern is the set's source of the same index), compiled
    /// the first time the set finds it: a compiled regex weighs ~100 KB and most phrases
    /// never fire in a given process.
    re: OnceLock<Option<Regex>>,
}

impl Phrase {
    fn regex(&self, source: &str) -> Option<&Regex> {
        self.re
            .get_or_init(|| match Regex::new(source) {
                Ok(re) => Some(re),
                Err(e) => {
                    // Parsed when the playbook loaded and compiled in the set; a
                    // single-pattern size limit is the only way here.
                    tracing::error!(rule = %self.rule_id, error = %e, "a playbook phrase cannot be compiled; it never fires");
                    None
                }
            })
            .as_ref()
    }
}

#[derive(Debug)]
pub struct Matcher {
    set: PhraseSet,
    phrases: Vec<Phrase>,
    /// Phrases matched on the utterance's stems, one pack per language that has any.
    stem_packs: Vec<StemPack>,
    pub categories: Vec<Category>,
}

#[derive(Debug)]
struct StemPack {
    language: StemLanguage,
    set: PhraseSet,
    phrases: Vec<Phrase>,
}

/// One phrase found in an utterance.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit<'c> {
    pub category: &'c Category,
    pub rule_id: String,
    /// The caller's own words that matched.
    pub span: String,
}

impl PartialEq for Category {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Matcher {
    pub fn compile(file: &PlaybookFile, name: &str, text: &str) -> Result<Self, PlaybookError> {
        let err = |line: usize, key: String, message: String| PlaybookError {
            file: name.to_string(),
            line,
            key,
            message,
        };
        let category_line = |cat: &str| {
            text.find(&format!("[categories.{cat}]"))
                .map(|o| line_of(text, o))
                .unwrap_or(0)
        };
        let mut categories = Vec::new();
        let mut phrases = Vec::new();
        let mut sources = Vec::new();
        let mut stem_phrases: Vec<(StemLanguage, Phrase, String)> = Vec::new();
        for (cat_name, cat) in &file.categories {
            let key = format!("categories.{cat_name}");
            if !KNOWN_CATEGORIES.contains(&cat_name.as_str()) {
                return Err(err(
                    category_line(cat_name),
                    key,
                    format!(
                        "unknown category; use one of {}",
                        KNOWN_CATEGORIES.join(", ")
                    ),
                ));
            }
            if cat.kind != CategoryKind::Signal
                && cat.team.as_deref().is_none_or(|t| t.trim().is_empty())
            {
                return Err(err(
                    category_line(cat_name),
                    format!("{key}.team"),
                    "hard_stop and tier categories need the team they go to".into(),
                ));
            }
            let index = categories.len();
            let mut except = Vec::new();
            for (lang, list) in &cat.except {
                for (i, p) in list.iter().enumerate() {
                    let re = compile_phrase(p.get_ref()).map_err(|m| {
                        err(
                            line_of(text, p.span().start),
                            format!("{key}.except.{lang}[{i}]"),
                            m,
                        )
                    })?;
                    except.push(re);
                }
            }
            for (lang, list) in &cat.phrases {
                for (i, p) in list.iter().enumerate() {
                    let phrase_key = format!("{key}.phrases.{lang}[{i}]");
                    let source = phrase_pattern(p.get_ref())
                        .map_err(|m| err(line_of(text, p.span().start), phrase_key.clone(), m))?;
                    sources.push(source);
                    phrases.push(Phrase {
                        category: index,
                        rule_id: format!("{cat_name}.{lang}.{i}"),
                        re: OnceLock::new(),
                    });
                }
            }
            for (lang, list) in &cat.stems {
                let language = StemLanguage::from_code(lang).ok_or_else(|| {
                    err(
                        category_line(cat_name),
                        format!("{key}.stems.{lang}"),
                        "stem phrases are for `en` or `es` (the languages with a stemmer)".into(),
                    )
                })?;
                for (i, p) in list.iter().enumerate() {
                    let phrase_key = format!("{key}.stems.{lang}[{i}]");
                    let source = stem_phrase_pattern(p.get_ref(), language)
                        .map_err(|m| err(line_of(text, p.span().start), phrase_key, m))?;
                    let phrase = Phrase {
                        category: index,
                        rule_id: format!("{cat_name}.stems.{lang}.{i}"),
                        re: OnceLock::new(),
                    };
                    stem_phrases.push((language, phrase, source));
                }
            }
            let labels = if cat.labels.is_empty() {
                None
            } else {
                let words: Vec<String> = cat
                    .labels
                    .iter()
                    // Labels go through the same normalization as the agent's words.
                    .map(|l| regex::escape(&Normalized::new(l).text))
                    .collect();
                Some(
                    Regex::new(&format!(r"\b(?:{})\b", words.join("|"))).map_err(|e| {
                        err(
                            category_line(cat_name),
                            format!("{key}.labels"),
                            e.to_string(),
                        )
                    })?,
                )
            };
            categories.push(Category {
                name: cat_name.clone(),
                kind: cat.kind,
                team: cat.team.clone(),
                speaker: cat.speaker,
                negation: cat.negation,
                except,
                labels,
            });
        }
        let set =
            PhraseSet::new(sources).map_err(|e| err(0, "categories".into(), e.to_string()))?;
        let mut stem_packs = Vec::new();
        for language in StemLanguage::ALL {
            let (this, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut stem_phrases)
                .into_iter()
                .partition(|(l, _, _)| *l == language);
            stem_phrases = rest;
            let (phrases, sources): (Vec<Phrase>, Vec<String>) = this
                .into_iter()
                .map(|(_, phrase, source)| (phrase, source))
                .unzip();
            if phrases.is_empty() {
                continue;
            }
            let set = PhraseSet::new(sources).map_err(|e| {
                err(
                    0,
                    format!("categories.*.stems.{}", language.code()),
                    e.to_string(),
                )
            })?;
            stem_packs.push(StemPack {
                language,
                set,
                phrases,
            });
        }
        Ok(Self {
            set,
            phrases,
            stem_packs,
            categories,
        })
    }

    /// Every category the utterance fires, once each, with the first phrase that matched
    /// and was neither negated nor excepted: the phrases written on words first, then those
    /// written on stems.
    pub fn hits<'m>(&'m self, text: &Normalized<'_>, speaker: SpeakerFilter) -> Vec<Hit<'m>> {
        let mut hits: Vec<Hit<'m>> = Vec::new();
        for index in self.set.matches(&text.text) {
            let phrase = &self.phrases[index];
            let category = &self.categories[phrase.category];
            if category.speaker != speaker || hits.iter().any(|h| h.category == category) {
                continue;
            }
            let Some(re) = phrase.regex(self.set.source(index)) else {
                continue;
            };
            let found = re
                .find_iter(&text.text)
                .find(|m| category.accepts(text, m.start(), m.end()));
            if let Some(m) = found {
                hits.push(Hit {
                    category,
                    rule_id: phrase.rule_id.clone(),
                    span: text.original_span(m.start(), m.end()).trim().to_string(),
                });
            }
        }
        let (english, spanish) = languages_of(text);
        for pack in &self.stem_packs {
            let may_be = match pack.language {
                StemLanguage::English => english,
                StemLanguage::Spanish => spanish,
            };
            if !may_be {
                continue;
            }
            let stemmed = Stemmed::new(text, pack.language);
            for index in pack.set.matches(&stemmed.text) {
                let phrase = &pack.phrases[index];
                let category = &self.categories[phrase.category];
                if category.speaker != speaker || hits.iter().any(|h| h.category == category) {
                    continue;
                }
                let Some(re) = phrase.regex(pack.set.source(index)) else {
                    continue;
                };
                let found = re.find_iter(&stemmed.text).find_map(|m| {
                    let (first, last) = stemmed.normalized_tokens(m.start(), m.end())?;
                    let (start, end) = text.token_range(first, last)?;
                    category.accepts(text, start, end).then_some((start, end))
                });
                if let Some((start, end)) = found {
                    hits.push(Hit {
                        category,
                        rule_id: phrase.rule_id.clone(),
                        span: text.original_span(start, end).trim().to_string(),
                    });
                }
            }
        }
        hits
    }
}

impl Category {
    /// A match at `text[start..end]` counts unless negated or covered by an exception.
    fn accepts(&self, text: &Normalized<'_>, start: usize, end: usize) -> bool {
        let negated = self.negation && is_negated(text, start);
        let excepted = self.except.iter().any(|ex| {
            ex.find_iter(&text.text)
                .any(|e| e.start() < end && start < e.end())
        });
        !negated && !excepted
    }
}

/// Word boundaries around the phrase; a phrase ending in punctuation ends at it.
fn wrap(phrase: &str) -> String {
    format!(r"\b(?:{phrase})(?:\b|$|[ .,;!?])")
}

fn compile_phrase(phrase: &str) -> Result<Regex, String> {
    let pattern = phrase_pattern(phrase)?;
    Regex::new(&pattern).map_err(|e| format!("invalid pattern: {e}"))
}

/// The checked pattern of a stem phrase: as [`phrase_pattern`], each word stemmed.
fn stem_phrase_pattern(phrase: &str, language: StemLanguage) -> Result<String, String> {
    phrase_pattern(phrase)?;
    phrase_pattern(&stem_pattern(&strip_accents(phrase), language))
}

/// The checked pattern of a phrase: lower case, accents stripped, word-bounded, and
/// parseable (compiling waits until the phrase is first found).
fn phrase_pattern(phrase: &str) -> Result<String, String> {
    if phrase.trim().is_empty() {
        return Err("is empty".into());
    }
    let unescaped_upper = phrase
        .char_indices()
        .any(|(i, c)| c.is_uppercase() && !phrase[..i].ends_with('\\'));
    if unescaped_upper {
        return Err(
            "write phrases in lower case (utterances are lower-cased before matching)".into(),
        );
    }
    let pattern = wrap(&strip_accents(phrase));
    regex_syntax::Parser::new()
        .parse(&pattern)
        .map_err(|e| format!("invalid pattern: {e}"))?;
    Ok(pattern)
}

fn strip_accents(s: &str) -> String {
    s.nfkd().filter(|c| !is_combining_mark(*c)).collect()
}

/// A negator just before the phrase, bridged only by auxiliary words, in the same clause,
/// and not taken back later ("i do not want lawyers involved but i will if i have to").
fn is_negated(text: &Normalized<'_>, start: usize) -> bool {
    negator_before(text, start) && !takes_back(&text.text[start..])
}

fn takes_back(rest: &str) -> bool {
    const TAKEBACKS: &[&str] = &[
        "but i will",
        "but we will",
        "but i might",
        "but i would",
        "but i am going to",
        "pero lo voy a",
        "pero si",
    ];
    TAKEBACKS.iter().any(|t| rest.contains(t))
}

fn negator_before(text: &Normalized<'_>, start: usize) -> bool {
    for (bridged, token) in text.tokens_before(start).enumerate() {
        if NEGATORS.contains(&token) {
            return true;
        }
        if bridged >= MAX_BRIDGE || !NEGATION_BRIDGE.contains(&token) {
            return false;
        }
    }
    false
}
