//! What a Five9 admin pastes: the Web Connectors that deliver events, the optional call
//! variables they read, and the IVR web request that asks for a route. Field names live
//! here once; `normalize` and `route` read exactly these.

use std::fmt::Write;

/// Parameter names, as the connectors and the IVR request name them.
pub mod keys {
    /// Constant parameter: the shared secret (`InboundAuth::FieldSecret`).
    pub const SECRET: &str = "escalator_secret";
    /// Constant parameter: the connector's trigger, which Five9 does not send itself.
    pub const TRIGGER: &str = "escalator_trigger";
    pub const CALL_ID: &str = "call_id";
    pub const SESSION_ID: &str = "session_id";
    pub const ANI: &str = "ANI";
    pub const DNIS: &str = "DNIS";
    pub const TYPE_NAME: &str = "type_name";
    pub const CAMPAIGN_ID: &str = "campaign_id";
    pub const CAMPAIGN_NAME: &str = "campaign_name";
    pub const SKILL_ID: &str = "skill_id";
    pub const SKILL_NAME: &str = "skill_name";
    pub const START: &str = "start_timestamp";
    pub const END: &str = "end_timestamp";
    pub const LENGTH: &str = "length";
    pub const HANDLE_TIME: &str = "handle_time";
    pub const DISPOSITION_ID: &str = "disposition_id";
    pub const DISPOSITION_NAME: &str = "disposition_name";
    pub const AGENT_ID: &str = "agent_id";
    pub const AGENT_USER: &str = "agent_user_name";
    pub const FIRST_NAME: &str = "first_name";
    pub const LAST_NAME: &str = "last_name";
    /// The contact's state (two-letter code): decides callback hours before the number.
    pub const STATE: &str = "state";
    pub const REASON: &str = "escalator_reason";
    pub const VERIFIED: &str = "caller_verified";
    /// IVR request only: what the caller said or chose.
    pub const TEXT: &str = "text";
    /// IVR request only: fallbacks for `text` (the vendor notes call it utterance/intent).
    pub const TEXT_ALIASES: &[&str] = &["utterance", "intent"];
    pub const LANGUAGE: &str = "language";
}

/// The call-group variables every connector sends, parameter name → Five9 placeholder.
/// `Customer.*` are contact fields and `Escalator.*` our optional call variables: when
/// one does not exist Five9 sends the placeholder text, which reads as absent.
pub(super) const CONNECTOR_VARIABLES: &[(&str, &str)] = &[
    (keys::CALL_ID, "@Call.call_id@"),
    (keys::SESSION_ID, "@Call.session_id@"),
    (keys::ANI, "@Call.ANI@"),
    (keys::DNIS, "@Call.DNIS@"),
    (keys::TYPE_NAME, "@Call.type_name@"),
    (keys::CAMPAIGN_ID, "@Call.campaign_id@"),
    (keys::CAMPAIGN_NAME, "@Call.campaign_name@"),
    (keys::SKILL_ID, "@Call.skill_id@"),
    (keys::SKILL_NAME, "@Call.skill_name@"),
    (keys::START, "@Call.start_timestamp@"),
    (keys::END, "@Call.end_timestamp@"),
    (keys::LENGTH, "@Call.length@"),
    (keys::HANDLE_TIME, "@Call.handle_time@"),
    (keys::DISPOSITION_ID, "@Call.disposition_id@"),
    (keys::DISPOSITION_NAME, "@Call.disposition_name@"),
    (keys::AGENT_ID, "@Agent.id@"),
    (keys::AGENT_USER, "@Agent.user_name@"),
    (keys::FIRST_NAME, "@Customer.first_name@"),
    (keys::LAST_NAME, "@Customer.last_name@"),
    (keys::STATE, "@Customer.state@"),
    (keys::REASON, "@Escalator.Reason@"),
    (keys::VERIFIED, "@Escalator.CallerVerified@"),
];

/// The IVR request's parameters, name → IVR variable (empty: the script's own variable).
const IVR_PARAMETERS: &[(&str, &str)] = &[
    (keys::CALL_ID, "Call.call_id"),
    (keys::SESSION_ID, "Call.session_id"),
    (keys::ANI, "Call.ANI"),
    (keys::DNIS, "Call.DNIS"),
    (keys::TYPE_NAME, "Call.type_name"),
    (keys::TEXT, ""),
    (keys::LANGUAGE, ""),
];

/// Dispositions to create and select on the dispositioned connector. Each name signals
/// escalation by itself ([`super::is_escalation_name`]) and reaches the playbook verbatim.
pub(super) const ESCALATION_DISPOSITIONS: &[&str] = &[
    "Escalated - Supervisor",
    "Escalated - Legal",
    "Escalated - Compliance",
    "Escalated - Complaints",
    "Escalated - Fraud",
    "Escalated - Media",
    "Escalated - Welfare",
];

pub(super) struct Connector {
    pub(super) name: &'static str,
    pub(super) trigger: &'static str,
    /// How the admin console spells the trigger.
    shown_as: &'static str,
    pub(super) note: &'static str,
}

pub(super) const CONNECTORS: &[Connector] = &[
    Connector {
        name: "Escalator - Call Accepted",
        trigger: "OnCallAccepted",
        shown_as: "On Call Accepted",
        note: "the call reached an agent; Escalator also learns the call's start from it",
    },
    Connector {
        name: "Escalator - Call Disconnected",
        trigger: "OnCallDisconnected",
        shown_as: "On Call Disconnected",
        note: "the agent's call ended",
    },
    Connector {
        name: "Escalator - Call Dispositioned",
        trigger: "OnCallDispositioned",
        shown_as: "On Call Dispositioned",
        note: "the agent chose one of the escalation dispositions listed below",
    },
    Connector {
        name: "Escalator - Warm Transfer",
        trigger: "OnWarmTransferInitiation",
        shown_as: "On Warm Transfer Initiation",
        note: "the agent started a warm transfer; recorded only",
    },
    Connector {
        name: "Escalator - Ask for Escalation",
        trigger: "ManuallyStarted",
        shown_as: "Manually Started",
        note: "the agent clicks it to ask for escalation; the reason comes from Escalator.Reason",
    },
];

/// The paste-ready setup text. `url` is Escalator's public base URL; its events and
/// routing endpoints (`/webhooks/five9`, `/route/five9`) are derived from it, and a URL
/// that already ends in one of them is accepted too.
pub fn template(url: &str, secret: &str) -> String {
    let base = base_url(url);
    let events = format!("{base}/webhooks/five9");
    let route = format!("{base}/route/five9");
    let mut out = String::new();
    header(&mut out, &events, &route);
    for (i, c) in CONNECTORS.iter().enumerate() {
        connector(&mut out, i + 1, c, &events, secret);
    }
    call_variables(&mut out);
    ivr(&mut out, &route, secret);
    out
}

pub(super) fn base_url(url: &str) -> &str {
    let url = url.trim().trim_end_matches('/');
    ["/webhooks/five9", "/route/five9"]
        .iter()
        .find_map(|suffix| url.strip_suffix(suffix))
        .unwrap_or(url)
}

// `write!` into a String cannot fail; the results are ignored on purpose.
fn header(out: &mut String, events: &str, route: &str) {
    let _ = write!(
        out,
        "\
Escalator for Five9: what to paste
==================================

Escalator hears calls through Web Connectors (events) and, optionally, an IVR web
request (routing). Every request carries the constant parameter {secret_key}; Escalator
rejects any request without the right value. Keep this text private.

Events URL:  {events}
Routing URL: {route}

1. Web Connectors
-----------------
VCC Administrator > Actions > Connectors > Add Connector. Create the five connectors below
exactly, then add them to every campaign whose calls Escalator watches (campaign
properties > Connectors). For each one:
- Method POST: the parameters go as form fields in the body.
- Run it without a browser window (SOAP: executeInBrowser=false).
- \"constant\" lines are constant parameters; \"variable\" lines are call-variable
  parameters: pick the variable in the list (the value shows how Five9 writes it).
Registering by SOAP instead: createWebConnector with the same name, url, postMethod=true,
trigger, constants and variables.
",
        secret_key = keys::SECRET,
    );
}

fn connector(out: &mut String, n: usize, c: &Connector, events: &str, secret: &str) {
    let _ = write!(
        out,
        "
1.{n} {name}  ({note})
name:     {name}
url:      {events}
method:   POST
trigger:  {trigger}  (shown as \"{shown_as}\")
",
        name = c.name,
        note = c.note,
        trigger = c.trigger,
        shown_as = c.shown_as,
    );
    if c.trigger == "OnCallDispositioned" {
        let _ = writeln!(
            out,
            "dispositions (triggerDispositions): {}",
            ESCALATION_DISPOSITIONS.join("; ")
        );
    }
    let _ = writeln!(out, "constant: {} = {secret}", keys::SECRET);
    let _ = writeln!(out, "constant: {} = {}", keys::TRIGGER, c.trigger);
    for (key, placeholder) in CONNECTOR_VARIABLES {
        let _ = writeln!(out, "variable: {key} = {placeholder}");
    }
}

fn call_variables(out: &mut String) {
    let _ = write!(
        out,
        "
Create the dispositions above first (Dispositions > Add), one per specialist team. Any
disposition whose name contains Escalat..., Supervisor, Manager, Legal, Compliance,
Complaint, Regulator, Fraud, Media, Welfare, Crisis or Self-harm is read as the agent's
request for escalation, its name passed verbatim; other dispositions are kept as wrap-up
records. A connector may also be labelled with one disposition's name as its
{trigger} constant (e.g. {trigger} = Escalated - Legal): it is read the same way.

2. Call variables (optional)
----------------------------
Call Variables > Add Group \"Escalator\", with:
- Reason (STRING): what the agent types or picks before clicking \"Escalator - Ask for
  Escalation\"; sent as {reason}.
- CallerVerified (BOOLEAN): set by the IVR or the agent once the caller is verified;
  sent as {verified}.
- Briefing (STRING) and Reference (STRING): filled by the IVR from the routing answer
  (part 3), or by Escalator before it transfers a call; shown to the receiving agent.
- Guidance (STRING): what Escalator tells the agent to do during the call; show it in
  the agent's script.
Without them the connectors still work: the values arrive as placeholders and are ignored.
",
        trigger = keys::TRIGGER,
        reason = keys::REASON,
        verified = keys::VERIFIED,
    );
}

fn ivr(out: &mut String, route: &str, secret: &str) {
    let _ = write!(
        out,
        "
3. IVR routing request (optional)
---------------------------------
In the IVR script, before the Skill Transfer module, add a web-service request module
(\"Query\"):
url:      {route}
method:   POST (form fields; GET with query fields works too)
constant: {secret_key} = {secret}
",
        secret_key = keys::SECRET,
    );
    for (key, variable) in IVR_PARAMETERS {
        let value = if variable.is_empty() {
            "<your IVR variable, optional>"
        } else {
            variable
        };
        let _ = writeln!(out, "variable: {key} = {value}");
    }
    let _ = write!(
        out,
        "\
{text}: what the caller said or chose (recognized speech, menu choice, intent); {language}:
e.g. en-US.
The answer is one flat JSON object. Map these keys to IVR variables:
escalate         1 = escalate this call, 0 = route as usual
team             the playbook's team (legal, supervisor...)
destination_kind skill, agent, number, or empty
route_skill      the skill to transfer to (its name when known, else its id)
skill_id, skill_name, agent_id, transfer_number
priority         0 (none) to 10 (hard stop)
tier, reference, reason, quote, verified
briefing         one line for the receiving agent
summary, recent_turns, language, agent, prior_calls, heard, amounts, hold_seconds,
involved, earlier: the call's context (optional; each at most 255 characters)
Then: If escalate = 1 and route_skill is not empty, Set Variable Escalator.Briefing =
briefing (and Escalator.Reference = reference), and Skill Transfer to route_skill. Otherwise,
and on the module's error or timeout branch, continue with the usual routing.
",
        text = keys::TEXT,
        language = keys::LANGUAGE,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_substituted() {
        let a = template("https://esc.example.com/", "s3cret");
        assert_eq!(a, template("https://esc.example.com", "s3cret"));
        assert_eq!(
            a,
            template("https://esc.example.com/webhooks/five9", "s3cret")
        );
        assert!(a.contains("url:      https://esc.example.com/webhooks/five9\n"));
        assert!(a.contains("url:      https://esc.example.com/route/five9\n"));
        assert_eq!(
            a.matches("constant: escalator_secret = s3cret\n").count(),
            6
        );
        for c in CONNECTORS {
            assert!(a.contains(&format!("constant: escalator_trigger = {}\n", c.trigger)));
        }
    }

    #[test]
    fn every_suggested_disposition_reads_as_escalation() {
        for d in ESCALATION_DISPOSITIONS {
            assert!(super::super::is_escalation_name(d), "{d}");
        }
    }
}
