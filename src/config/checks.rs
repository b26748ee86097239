//! Checks `check-config` and `serve` share beyond types: value ranges, misspelt team
//! names, and parse errors said in the operator's words (no Rust type names), every
//! section's at once.

use std::collections::BTreeSet;

use super::{Config, PLAYBOOK_TEAMS};

/// Values outside the range the service can work with, by key.
pub(super) fn range_problems(config: &Config) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut check = |key: &str, value: u64, min: u64, max: u64, what: &str| {
        if value < min || value > max {
            out.push((
                key.to_string(),
                format!("is {value}; use {min} to {max} ({what})"),
            ));
        }
    };
    check(
        "review.sample_percent",
        config.review.sample_percent.into(),
        0,
        100,
        "a percentage",
    );
    check(
        "dispatcher.max_attempts",
        config.dispatcher.max_attempts.into(),
        1,
        100,
        "attempts per action",
    );
    check(
        "scheduler.max_attempts",
        config.scheduler.max_attempts.into(),
        1,
        100,
        "attempts per notification",
    );
    check(
        "scheduler.interval_seconds",
        config.scheduler.interval_seconds,
        1,
        3600,
        "seconds between passes",
    );
    check(
        "server.shutdown_grace_seconds",
        config.server.shutdown_grace_seconds,
        1,
        600,
        "seconds; keep it below the supervisor's kill timeout",
    );
    check(
        "store.max_connections",
        config.store.max_connections.into(),
        1,
        1000,
        "connections per instance",
    );
    out
}

/// Configured team names that are not a playbook team but one or two edits from a team
/// the configuration lacks: each with the name it most likely means.
pub(super) fn misspelt_teams(config: &Config) -> Vec<(String, &'static str)> {
    let missing: Vec<&'static str> = PLAYBOOK_TEAMS
        .into_iter()
        .filter(|t| !config.teams.contains_key(*t))
        .collect();
    let mut taken = BTreeSet::new();
    let mut out = Vec::new();
    for name in config.teams.keys() {
        if PLAYBOOK_TEAMS.contains(&name.as_str()) {
            continue;
        }
        let nearest = missing
            .iter()
            .map(|t| (strsim::damerau_levenshtein(name, t), *t))
            .filter(|(d, _)| *d <= 2)
            .min();
        if let Some((_, team)) = nearest {
            if taken.insert(team) {
                out.push((name.clone(), team));
            }
        }
    }
    out
}

/// A parse or type error in plain words: "a whole number" for `u32`, "a table" for a
/// struct, and no Rust type or struct names.
pub fn plain_words(message: &str) -> String {
    let numbers = regex::Regex::new(r"\b(u8|u16|u32|u64|usize|i8|i16|i32|i64|isize)\b")
        .map(|re| re.replace_all(message, "a whole number").into_owned())
        .unwrap_or_else(|_| message.to_string());
    let floats = numbers
        .replace("f64", "a number")
        .replace("f32", "a number");
    let structs = regex::Regex::new(r"(expected )?struct \w+")
        .map(|re| re.replace_all(&floats, "${1}a table").into_owned())
        .unwrap_or(floats);
    let enums = regex::Regex::new(r"enum \w+")
        .map(|re| {
            re.replace_all(&structs, "one of the allowed names")
                .into_owned()
        })
        .unwrap_or(structs);
    enums
        .replace("a sequence", "a list")
        .replace("a map", "a table")
        .replace("a whole number a whole number", "a whole number")
}

/// Every section's type error at once: `toml` stops at the first, so each top-level
/// table is read on its own (without line numbers) after the first error.
pub(super) fn section_errors(text: &str) -> Vec<String> {
    let Ok(table) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in table {
        let mut one = toml::Table::new();
        one.insert(key.clone(), value);
        if let Err(e) = toml::Value::Table(one).try_into::<Config>() {
            out.push(format!("[{key}]: {}", plain_words(e.message().trim_end())));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Secrets, Severity};

    fn errors(toml: &str) -> Vec<(String, String)> {
        Config::from_toml(toml)
            .unwrap()
            .problems(&Secrets::default())
            .into_iter()
            .filter(|p| p.severity == Severity::Error)
            .map(|p| (p.key, p.message))
            .collect()
    }

    #[test]
    fn out_of_range_values_are_refused_together() {
        let found = errors("[review]\nsample_percent = 150\n[dispatcher]\nmax_attempts = 0\n");
        let keys: Vec<&str> = found.iter().map(|(k, _)| k.as_str()).collect();
        assert!(keys.contains(&"review.sample_percent"), "{found:?}");
        assert!(keys.contains(&"dispatcher.max_attempts"), "{found:?}");
        let sample = &found
            .iter()
            .find(|(k, _)| k == "review.sample_percent")
            .unwrap()
            .1;
        assert!(
            sample.contains("150") && sample.contains("0 to 100"),
            "{sample}"
        );
    }

    #[test]
    fn a_misspelt_team_is_one_error_that_names_the_team_meant() {
        let mut text = String::new();
        for team in PLAYBOOK_TEAMS {
            let name = if team == "compliance" {
                "complience"
            } else {
                team
            };
            text.push_str(&format!("[teams.{name}]\ncallback_owner = \"Dana\"\n"));
        }
        let found = errors(&text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "teams.complience");
        assert!(found[0].1.contains("did you mean compliance"), "{found:?}");
    }

    #[test]
    fn a_missing_team_names_its_table() {
        let found = errors("[teams.legal]\n");
        let (_, message) = found.iter().find(|(k, _)| k == "teams.fraud").unwrap();
        assert!(message.contains("[teams.fraud]"), "{message}");
    }

    #[test]
    fn type_errors_name_no_rust_types_and_every_section_is_reported() {
        let err = Config::from_toml(
            "[server]\nbody_limit_bytes = \"big\"\n[review]\nsample_percent = 300\n",
        )
        .unwrap_err();
        for rust in ["u8", "usize", "u32", "struct", "ServerConfig"] {
            assert!(!err.contains(rust), "{rust} in: {err}");
        }
        assert!(err.contains("body_limit_bytes"), "{err}");
        assert!(err.contains("[review]"), "{err}");
        assert!(err.contains("a whole number"), "{err}");
    }
}
