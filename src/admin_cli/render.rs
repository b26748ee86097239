//! The admin API's JSON as text a person reads.

use std::fmt::Write;

use serde_json::Value;

#[derive(Debug, Clone, Copy)]
pub enum View {
    Callbacks,
    Callback,
    Escalations,
    Escalation,
    ReviewQueue,
    Reviewed,
}

pub fn text(view: View, v: &Value) -> String {
    let mut out = String::new();
    match view {
        View::Callbacks => callbacks(&mut out, v),
        View::Callback => callback(&mut out, v),
        View::Escalations => escalations(&mut out, v),
        View::Escalation => escalation(&mut out, v),
        View::ReviewQueue => review_queue(&mut out, v),
        View::Reviewed => reviewed(&mut out, v),
    }
    // Fields are escaped where they are read; this keeps anything that slipped through
    // from reaching the terminal either.
    out.lines().map(|l| printable(l) + "\n").collect()
}

/// A field as text, `-` when absent or null.
fn s(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) if s.is_empty() => "-".into(),
        Value::String(s) => printable(s),
        other => other.to_string(),
    }
}

/// `text` with every character a terminal would act on escaped (`\u{1b}`): control
/// characters (escape sequences, a line break inside a field, a carriage return that
/// overwrites a line) and the bidirectional overrides that reorder what is shown. Call
/// ids, names, actors and notes come from outside; they must not clear the screen, set the
/// window title or forge a line.
fn printable(text: &str) -> String {
    let acts =
        |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !text.chars().any(acts) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if acts(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn items(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

fn callbacks(out: &mut String, v: &Value) {
    let list = items(&v["callbacks"]);
    if list.is_empty() {
        out.push_str("No callbacks match.\n");
        return;
    }
    let _ = writeln!(
        out,
        "{:<15} {:<11} {:<14} {:<20} {:<26} ATTEMPTS",
        "REFERENCE", "STATUS", "TEAM", "OWNER", "WINDOW ENDS"
    );
    for c in list {
        let _ = writeln!(
            out,
            "{:<15} {:<11} {:<14} {:<20} {:<26} {}",
            s(&c["reference"]),
            s(&c["status"]),
            s(&c["team"]),
            s(&c["owner"]),
            s(&c["window_end"]),
            s(&c["attempts"])
        );
    }
    let _ = writeln!(out, "{} callback(s)", list.len());
}

fn callback(out: &mut String, v: &Value) {
    let c = &v["callback"];
    let _ = writeln!(out, "Callback {} ({})", s(&c["reference"]), s(&c["status"]));
    for (label, key) in [
        ("Team", "team"),
        ("Tier", "tier"),
        ("Owner", "owner"),
        ("Caller", "caller_name"),
        ("Number", "number"),
        ("Reason", "reason"),
        ("Issue", "issue_summary"),
        ("Quote", "quote"),
        ("Window", "window_start"),
        ("Attempts", "attempts"),
        ("Escalation", "escalation_id"),
        ("Created", "created_at"),
    ] {
        if key == "window_start" {
            window(out, c);
            continue;
        }
        let _ = writeln!(out, "  {label:<11} {}", s(&c[key]));
    }
    out.push_str("History:\n");
    for h in items(&v["history"]) {
        let _ = writeln!(
            out,
            "  {}  {:<12} {:<11} {} -> {}{}",
            s(&h["at"]),
            s(&h["actor"]),
            s(&h["change"]),
            s(&h["from_status"]),
            s(&h["to_status"]),
            h["reason"]
                .as_str()
                .map(|r| format!(": {}", printable(r)))
                .unwrap_or_default()
        );
    }
}

/// The window in UTC and as the callee reads it in each zone they may be in, the policy
/// deadline, or why there is no window.
fn window(out: &mut String, c: &Value) {
    let (Some(start), Some(end)) = (c["window_start"].as_str(), c["window_end"].as_str()) else {
        let why = c["no_window_reason"]
            .as_str()
            .unwrap_or("none was recorded (a commitment from before reasons were kept)");
        let _ = writeln!(out, "  {:<11} none: {why}", "Window");
        return;
    };
    let _ = writeln!(out, "  {:<11} {start} to {end} (UTC)", "Window");
    let parse = |t: &str| t.parse::<jiff::Timestamp>().ok();
    if let (Some(start), Some(end)) = (parse(start), parse(end)) {
        for zone in c["zone"].as_str().unwrap_or("").split_whitespace() {
            let Ok(tz) = jiff::tz::TimeZone::get(zone) else {
                continue;
            };
            let (a, b) = (start.to_zoned(tz.clone()), end.to_zoned(tz));
            let _ = writeln!(
                out,
                "  {:<11} {} to {} callee time ({zone})",
                "",
                a.strftime("%a %Y-%m-%d %H:%M %Z"),
                b.strftime("%H:%M %Z")
            );
        }
    }
    if let Some(deadline) = c["deadline"].as_str() {
        let _ = writeln!(out, "  {:<11} {deadline} (UTC)", "Deadline");
    }
}

fn escalations(out: &mut String, v: &Value) {
    let list = items(&v["escalations"]);
    if list.is_empty() {
        out.push_str("No escalations match.\n");
        return;
    }
    let _ = writeln!(
        out,
        "{:<15} {:<9} {:<14} {:<11} {:<19} {:<32} ID",
        "REFERENCE", "VENDOR", "TEAM", "TIER", "STATUS", "DECIDED"
    );
    for e in list {
        let _ = writeln!(
            out,
            "{:<15} {:<9} {:<14} {:<11} {:<19} {:<32} {}",
            s(&e["reference"]),
            s(&e["vendor"]),
            s(&e["team"]),
            s(&e["tier"]),
            s(&e["status"]),
            s(&e["decided_at"]),
            s(&e["id"])
        );
    }
    let _ = writeln!(out, "{} escalation(s)", list.len());
}

fn escalation(out: &mut String, v: &Value) {
    let e = &v["escalation"];
    let _ = writeln!(
        out,
        "Escalation {} ({}): {} tier to {}, {}",
        s(&e["reference"]),
        s(&e["id"]),
        s(&e["tier"]),
        s(&e["team"]),
        s(&e["status"])
    );
    let _ = writeln!(
        out,
        "  Call {} on {}, decided {}",
        s(&e["call_id"]),
        s(&e["vendor"]),
        s(&e["decided_at"])
    );
    out.push_str("Evidence:\n");
    for t in items(&v["evidence"]) {
        let _ = writeln!(
            out,
            "  {} ({}) utterance {}: \"{}\"",
            s(&t["kind"]),
            s(&t["rule_id"]),
            s(&t["utterance_id"]),
            s(&t["quote"])
        );
    }
    out.push_str("Steps:\n");
    for st in items(&v["steps"]) {
        let _ = writeln!(
            out,
            "  {}  {}: {}",
            s(&st["at"]),
            s(&st["step"]),
            s(&st["detail"])
        );
    }
    out.push_str("Actions:\n");
    for a in items(&v["actions"]) {
        let _ = writeln!(
            out,
            "  {} {} after {} attempt(s){}",
            s(&a["kind"]),
            s(&a["status"]),
            s(&a["attempts"]),
            a["last_error"]
                .as_str()
                .map(|e| format!(", last error: {}", printable(e)))
                .unwrap_or_default()
        );
        for at in items(&a["attempt_log"]) {
            let _ = writeln!(
                out,
                "    #{} {}: {} {}",
                s(&at["attempt"]),
                s(&at["step"]),
                s(&at["outcome"]),
                s(&at["detail"])
            );
        }
    }
    match v["callback"]["callback"].as_object() {
        Some(c) => {
            let _ = writeln!(
                out,
                "Callback: {} ({}), owner {}",
                s(&c["reference"]),
                s(&c["status"]),
                s(&c["owner"])
            );
        }
        None => out.push_str("Callback: none\n"),
    }
    reviews(out, &v["reviews"]);
}

fn reviews(out: &mut String, v: &Value) {
    let list = items(v);
    if list.is_empty() {
        out.push_str("Reviews: none\n");
        return;
    }
    out.push_str("Reviews:\n");
    for r in list {
        let _ = writeln!(
            out,
            "  {} by {}{}",
            s(&r["outcome"]),
            s(&r["reviewer"]),
            r["notes"]
                .as_str()
                .map(|n| format!(": {}", printable(n)))
                .unwrap_or_default()
        );
    }
}

fn review_queue(out: &mut String, v: &Value) {
    let list = items(&v["queue"]);
    if list.is_empty() {
        out.push_str("Nothing awaits review.\n");
        return;
    }
    for r in list {
        let _ = writeln!(
            out,
            "Next to review: {} ({}) {} tier to {}, {} call {}, decided {}",
            s(&r["reference"]),
            s(&r["escalation_id"]),
            s(&r["tier"]),
            s(&r["team"]),
            s(&r["vendor"]),
            s(&r["call_id"]),
            s(&r["decided_at"])
        );
    }
    let _ = writeln!(
        out,
        "Record with: escalator reviews record ID --outcome compliant|coaching_needed|policy_breach|false_positive"
    );
}

fn reviewed(out: &mut String, v: &Value) {
    let _ = writeln!(
        out,
        "Recorded {} by {} on {}.",
        s(&v["review"]["outcome"]),
        s(&v["review"]["reviewer"]),
        s(&v["reference"])
    );
    reviews(out, &v["reviews"]);
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn control_characters_in_any_field_reach_the_terminal_escaped() {
        let clear = "\u{1b}[2J\u{1b}]0;owned\u{7}";
        let v = json!({"escalations": [{
            "id": format!("esc-1{clear}"), "call_id": format!("call\r\nFAKE LINE{clear}"),
            "vendor": "genesys", "tier": "supervisor", "team": "legal",
            "status": "open", "reference": "ESC-1", "created_at": "2026-01-01T00:00:00Z",
            "owner": format!("Dana\u{202e}evil{clear}")
        }]});
        let shown = text(View::Escalations, &v);
        assert!(
            !shown.chars().any(|c| c.is_control() && c != '\n'),
            "{shown:?}"
        );
        assert!(!shown.contains('\u{202e}'), "{shown:?}");
        assert!(shown.contains("\\u{1b}[2J"), "{shown:?}");
        assert!(
            !shown.lines().any(|l| l.starts_with("FAKE LINE")),
            "{shown:?}"
        );
        assert_eq!(printable("plain ünïcode"), "plain ünïcode");
    }

    #[test]
    fn a_callback_shows_its_window_in_utc_and_callee_time_or_why_it_has_none() {
        let shown = text(
            View::Callback,
            &json!({"callback": {
                "reference": "ESC-1", "status": "pending",
                "window_start": "2026-11-26T14:00:00Z", "window_end": "2026-11-26T16:00:00Z",
                "deadline": "2026-11-26T18:00:00Z",
                "zone": "America/New_York America/Chicago",
            }}),
        );
        assert!(
            shown.contains("2026-11-26T14:00:00Z to 2026-11-26T16:00:00Z (UTC)"),
            "{shown}"
        );
        assert!(
            shown.contains("Thu 2026-11-26 09:00 EST to 11:00 EST callee time (America/New_York)"),
            "{shown}"
        );
        assert!(
            shown.contains("08:00 CST to 10:00 CST callee time (America/Chicago)"),
            "{shown}"
        );
        assert!(
            shown.contains("Deadline    2026-11-26T18:00:00Z (UTC)"),
            "{shown}"
        );
        let none = text(
            View::Callback,
            &json!({"callback": {
                "reference": "ESC-2", "status": "pending",
                "no_window_reason": "cannot tell the callee's time zone (+61)",
            }}),
        );
        assert!(
            none.contains("Window      none: cannot tell the callee's time zone (+61)"),
            "{none}"
        );
    }
}
