//! `ESCALATOR_FIVE9_AGENT_CREDENTIALS`: the agents Escalator may act as. The Agent REST
//! API only acts for the agent who holds the call, so every agent whose calls may be
//! transferred needs an entry.

use escalator_adapters::five9::Five9Credentials;
use escalator_adapters::Secret;

use crate::config::ENV_FIVE9_AGENT_CREDENTIALS;

/// `user:password` pairs, separated by commas or newlines. The password is everything after
/// the first `:` (it may contain more). Blank entries are skipped; each entry is trimmed, so
/// a password cannot begin or end with a space or contain a comma.
///
/// A malformed entry fails the whole list, naming the variable and the entry's position
/// but never its text: a broken entry may be part of a password.
pub fn parse_agent_credentials(raw: &str) -> Result<Vec<Five9Credentials>, String> {
    let mut out: Vec<Five9Credentials> = Vec::new();
    let entries = raw
        .split([',', '\n'])
        .map(str::trim)
        .filter(|e| !e.is_empty());
    for (i, entry) in entries.enumerate() {
        let n = i + 1;
        let bad = |why: &str| {
            format!("{ENV_FIVE9_AGENT_CREDENTIALS}: entry {n} {why} (expected user:password)")
        };
        let Some((user, password)) = entry.split_once(':') else {
            return Err(bad("has no ':'"));
        };
        let user = user.trim();
        if user.is_empty() {
            return Err(bad("has an empty user name"));
        }
        if password.is_empty() {
            return Err(bad("has an empty password"));
        }
        if user.chars().any(char::is_whitespace) {
            return Err(bad("has a space in its user name"));
        }
        // Sessions are cached per user name, whatever its case.
        if out.iter().any(|c| c.username.eq_ignore_ascii_case(user)) {
            return Err(bad("repeats an earlier user"));
        }
        out.push(Five9Credentials {
            username: user.to_string(),
            password: Secret::new(password),
        });
    }
    if out.is_empty() {
        return Err(format!(
            "{ENV_FIVE9_AGENT_CREDENTIALS} is set but lists no user:password entry"
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_by_comma_or_newline_password_keeps_colons() {
        let c = parse_agent_credentials(
            " sam.lee@acme.example:pw:with:colons , ana@acme.example:p2\n\njo@x:p3\n",
        )
        .unwrap();
        let shown: Vec<(&str, &str)> = c
            .iter()
            .map(|c| (c.username.as_str(), c.password.expose()))
            .collect();
        assert_eq!(
            shown,
            [
                ("sam.lee@acme.example", "pw:with:colons"),
                ("ana@acme.example", "p2"),
                ("jo@x", "p3")
            ]
        );
    }

    #[test]
    fn malformed_entries_name_the_variable_not_the_password() {
        for (raw, why) in [
            ("sam:ok,hunter2", "entry 2 has no ':'"),
            (":hunter2", "entry 1 has an empty user name"),
            ("sam:", "entry 1 has an empty password"),
            ("sam:hunter2,SAM:hunter3", "entry 2 repeats an earlier user"),
            ("s am:hunter2", "entry 1 has a space"),
        ] {
            let e = parse_agent_credentials(raw).unwrap_err();
            assert!(e.starts_with(ENV_FIVE9_AGENT_CREDENTIALS), "{e}");
            assert!(e.contains(why), "{e}");
            assert!(!e.contains("hunter"), "{e}");
        }
        assert!(parse_agent_credentials(" , \n").is_err());
    }
}
