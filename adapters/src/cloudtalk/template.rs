//! What a CloudTalk admin types in: one Workflow Automation per call trigger, each with an
//! "API Request" action, and optionally a Call Flow Designer "HTTP Request" step. CloudTalk
//! has no API to register either (vendor doc §7), so Escalator prints this text.

use std::fmt::Write;

use super::fields::SECRET;

/// The header the admin sets on every request (`InboundAuth::SharedSecretHeader`).
pub const AUTH_HEADER: &str = "X-Escalator-Token";

/// One workflow: (its name, the trigger as the UI names it, our `event` constant, the
/// attribute rows after the common ones).
type Workflow = (&'static str, &'static str, &'static str, &'static [Row]);
/// (key, what to pick: a constant or the attribute from the blue-tag panel, Format).
type Row = (&'static str, &'static str, &'static str);

/// Tags are a list: put into a String value a list of objects arrives as `[object Object]`
/// (as seen for `transcript`), so a list or JSON format is asked for where the UI has one.
const TAGS_FORMAT: &str = "a list/JSON format if offered, else String";

/// Rows every call workflow carries.
const CALL_ROWS: &[Row] = &[
    ("call_uuid", "attribute: call uuid", "String"),
    ("call_id", "attribute: call id (where offered)", "Number"),
    ("direction", "attribute: direction", "String"),
    ("external_number", "attribute: external number", "String"),
    ("internal_number", "attribute: internal number", "String"),
    ("contact_id", "attribute: contact id", "Number"),
    ("agent_id", "attribute: agent id", "Number"),
    // Where the caller lives decides their calling hours before the number does.
    ("contact_state", "attribute: contact state", "String"),
];

const WORKFLOWS: &[Workflow] = &[
    (
        "Escalator - Call Started",
        "Call > Started",
        "call_started",
        &[],
    ),
    (
        "Escalator - Ringing on Agent",
        "Call > Ringing on Agent",
        "ringing_on_agent",
        &[("group_id", "attribute: group id (where offered)", "Number")],
    ),
    (
        "Escalator - Call Answered",
        "Call > Answered",
        "answered",
        &[],
    ),
    (
        "Escalator - Call Modified",
        "Call > Modified",
        "call_modified",
        &[
            ("tags", "attribute: call tags", TAGS_FORMAT),
            ("notes", "attribute: call notes", "String"),
        ],
    ),
    (
        "Escalator - Raised Hand",
        "Call > Raised Hand",
        "raised_hand",
        &[],
    ),
    (
        "Escalator - Call Ended",
        "Call > Ended",
        "call_ended",
        &[("tags", "attribute: call tags", TAGS_FORMAT)],
    ),
];

/// The setup text with `url` and `secret` filled in. `url` is Escalator's public base
/// (`https://escalator.example.com`); a full `…/webhooks/cloudtalk` is accepted too. Events
/// go to `/webhooks/cloudtalk`, the routing hook to `/route/cloudtalk`.
pub fn template(url: &str, secret: &str) -> String {
    let base = base_url(url);
    let events = format!("{base}/webhooks/cloudtalk");
    let route = format!("{base}/route/cloudtalk");
    let mut out = String::new();
    // Writing to a String cannot fail; the results are ignored for that reason.
    let _ = write_intro(&mut out);
    for (i, workflow) in WORKFLOWS.iter().enumerate() {
        let _ = write_workflow(&mut out, i + 1, workflow, &events, secret);
    }
    let _ = write_tags_note(&mut out);
    let _ = write_route(&mut out, &route, secret);
    out
}

fn base_url(url: &str) -> &str {
    let url = url.trim().trim_end_matches('/');
    ["/webhooks/cloudtalk", "/route/cloudtalk"]
        .iter()
        .find_map(|suffix| url.strip_suffix(suffix))
        .unwrap_or(url)
}

fn write_intro(out: &mut String) -> std::fmt::Result {
    writeln!(out, "CloudTalk -> Escalator")?;
    writeln!(out, "======================")?;
    writeln!(out)?;
    writeln!(
        out,
        "In CloudTalk: Settings > Workflow Automations > + Add Workflow. Create the six"
    )?;
    writeln!(
        out,
        "workflows below, one per trigger. In each: Add action > API Request, then fill in"
    )?;
    writeln!(
        out,
        "Endpoint, Method, Headers and Values exactly as shown. \"constant\" means type the"
    )?;
    writeln!(
        out,
        "text shown; \"attribute: …\" means pick that attribute from the blue tags panel."
    )?;
    writeln!(
        out,
        "Leave out an attribute the panel does not offer: only event and call_uuid are"
    )?;
    writeln!(out, "required.")?;
    writeln!(
        out,
        "The secret is sent twice, as the {AUTH_HEADER} header and as the escalator_secret"
    )?;
    writeln!(
        out,
        "value: Escalator checks the one its configuration names. Keep both."
    )?;
    writeln!(out)
}

fn write_workflow(
    out: &mut String,
    n: usize,
    (name, trigger, event, rows): &Workflow,
    endpoint: &str,
    secret: &str,
) -> std::fmt::Result {
    writeln!(out, "{n}. Workflow \"{name}\"")?;
    writeln!(out, "   Trigger:  {trigger}")?;
    writeln!(out, "   Action:   API Request")?;
    writeln!(out, "   Endpoint: {endpoint}")?;
    writeln!(out, "   Method:   POST")?;
    writeln!(out, "   Headers:  {AUTH_HEADER}: {secret}")?;
    writeln!(out, "   Values (key | value | Format):")?;
    let event_value = format!("constant: {event}");
    let secret_value = format!("constant: {secret}");
    let common = [
        ("event", event_value.as_str(), "String"),
        (SECRET, secret_value.as_str(), "String"),
    ];
    let fixed = CALL_ROWS.iter().chain(rows.iter()).copied();
    for (key, value, format) in common.into_iter().chain(fixed) {
        writeln!(out, "     {key:<17}| {value:<40}| {format}")?;
    }
    writeln!(out)
}

fn write_tags_note(out: &mut String) -> std::fmt::Result {
    writeln!(out, "Call tags as escalation requests")?;
    writeln!(
        out,
        "  A call tag whose name contains one of these words asks for an escalation, with"
    )?;
    writeln!(
        out,
        "  the tag's name as the reason: legal, lawyer, attorney, lawsuit, compliance,"
    )?;
    writeln!(
        out,
        "  regulator, ombudsman, media, press, journalist, fraud, self-harm, suicide, welfare,"
    )?;
    writeln!(
        out,
        "  crisis, supervisor, manager, or a word starting with \"escalat\" (\"Escalated - Legal\")."
    )?;
    writeln!(
        out,
        "  Other tags (\"VIP\", \"Sales\") are recorded only. \"Raise Hand\" in the CloudTalk app"
    )?;
    writeln!(
        out,
        "  always asks for a supervisor. If a tag like \"legal\" is not picked up, the"
    )?;
    writeln!(
        out,
        "  tags value's Format may have turned the list into [object Object]: pick another."
    )?;
    writeln!(out)
}

fn write_route(out: &mut String, endpoint: &str, secret: &str) -> std::fmt::Result {
    writeln!(out, "Optional: routing before an agent answers")?;
    writeln!(
        out,
        "  In the number's Call Flow Designer flow, add an HTTP Request step:"
    )?;
    writeln!(out, "   Endpoint: {endpoint}")?;
    writeln!(out, "   Method:   POST")?;
    writeln!(out, "   Headers:  {AUTH_HEADER}: {secret}")?;
    writeln!(out, "   Body (key | value):")?;
    for (key, value) in [
        ("call_uuid", "{{call.uuid}}".to_string()),
        ("external_number", "{{call.external_number}}".to_string()),
        (
            "text",
            "what the caller said or chose, in words (optional)".to_string(),
        ),
        (
            "language",
            "the flow's language, e.g. en (optional)".to_string(),
        ),
        (SECRET, secret.to_string()),
    ] {
        writeln!(out, "     {key:<17}| {value}")?;
    }
    writeln!(
        out,
        "  The response is flat JSON: escalate (true/false), action (\"escalate\" or"
    )?;
    writeln!(
        out,
        "  \"continue\"), team, group_id, group_name, agent_id, number, priority, reference,"
    )?;
    writeln!(
        out,
        "  reason, quote, briefing. Branch on action; route to the group in group_id"
    )?;
    writeln!(
        out,
        "  (or agent_id / number). Empty strings mean \"not set\"; keep the flow's default"
    )?;
    writeln!(out, "  route for a failed or timed-out request.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_in_url_and_secret_deterministically() {
        let a = template("https://esc.example.com/", "s3cret");
        assert_eq!(
            a,
            template("https://esc.example.com/webhooks/cloudtalk", "s3cret")
        );
        assert!(a.contains("Endpoint: https://esc.example.com/webhooks/cloudtalk\n"));
        assert!(a.contains("Endpoint: https://esc.example.com/route/cloudtalk\n"));
        assert!(a.contains("X-Escalator-Token: s3cret"));
        assert!(a.contains("escalator_secret | constant: s3cret"));
        assert_eq!(a.matches("API Request\n").count(), 6);
    }

    /// Every trigger the template sends is one `normalize` recognises.
    #[test]
    fn every_event_constant_is_a_known_trigger() {
        use super::super::normalize::Trigger;
        for (_, _, event, _) in WORKFLOWS {
            let t = Trigger::parse(event);
            assert!(
                t.is_some() && !matches!(t, Some(Trigger::Unknown(_))),
                "{event}"
            );
        }
    }
}
