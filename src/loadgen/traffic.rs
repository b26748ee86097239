//! Realistic signed deliveries for every platform: the recorded fixtures of one call per
//! platform, replayed with fresh ids so every call and event is new to the service, each
//! delivery authenticated the way that platform's is (header, URL or form field secret).
//! A share of calls carry a hard-stop (the caller's threat, an escalation disposition or tag).

/// One HTTP delivery ready to send.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub path: String,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

/// The shared secret every platform's intake is configured with in a load run.
pub const SECRET: &str = "loadgen-secret";
/// Header that carries it for Genesys, Nextiva and CloudTalk.
pub const SECRET_HEADER: &str = "X-Escalator-Token";

const THREAT: &str = "I'm going to sue you if this isn't fixed today";
const BENIGN: &str = "I was charged twice for my order and would like a refund please";

/// A platform's call: its fixtures in order, the call id they share, the ids to refresh.
struct CallTemplate {
    vendor: &'static str,
    call_id: &'static str,
    /// (fixture, kept on calm calls, kept on escalating calls)
    steps: &'static [(&'static str, bool, bool)],
    /// Other ids in the fixtures that must be unique per call (utterance ids).
    other_ids: &'static [&'static str],
    /// The caller's number as the fixtures write it (digits): each call gets its own caller,
    /// so repeat-contact rules see traffic like a real line's.
    caller: &'static str,
}

macro_rules! fixture {
    ($path:literal) => {
        ($path, include_str!(concat!("../../fixtures/", $path)))
    };
}

/// Every fixture a load run sends, by path.
const FIXTURES: &[(&str, &str)] = &[
    fixture!("genesys/customer-start.eventbridge.json"),
    fixture!("genesys/user-start.eventbridge.json"),
    fixture!("genesys/transcription-final-customer.eventbridge.json"),
    fixture!("genesys/customer-end.eventbridge.json"),
    fixture!("talkdesk/inbound-call-reaches-contact-center.json"),
    fixture!("talkdesk/inbound-call-starts.json"),
    fixture!("talkdesk/disposition-escalated-legal.json"),
    fixture!("talkdesk/inbound-call-ends.json"),
    fixture!("five9/accepted-inbound.form"),
    fixture!("five9/dispositioned-resolved.form"),
    fixture!("five9/dispositioned-legal.form"),
    fixture!("five9/disconnected.form"),
    fixture!("nextiva/call-started.inbound.json"),
    fixture!("nextiva/queued.json"),
    fixture!("nextiva/agent-connected.json"),
    fixture!("nextiva/caller-verified.json"),
    fixture!("nextiva/disposition.legal-threat.json"),
    fixture!("cloudtalk/call-started.json"),
    fixture!("cloudtalk/answered.json"),
    fixture!("cloudtalk/call-modified-plain-tags.json"),
    fixture!("cloudtalk/call-modified-legal-tag.json"),
];

const CALLS: &[CallTemplate] = &[
    CallTemplate {
        vendor: "genesys",
        call_id: "b1c4e2a0-5d6f-4a1b-9c3e-7f8a9b0c1d2e",
        steps: &[
            ("genesys/customer-start.eventbridge.json", true, true),
            ("genesys/user-start.eventbridge.json", true, true),
            (
                "genesys/transcription-final-customer.eventbridge.json",
                true,
                true,
            ),
            ("genesys/customer-end.eventbridge.json", true, true),
        ],
        other_ids: &["5b778cb0-2e4d-4c91-a8f3-6d0b9e1c7a25"],
        caller: "3175551234",
    },
    CallTemplate {
        vendor: "talkdesk",
        call_id: "e4742002f9dc421d92c0395ad9888364",
        steps: &[
            (
                "talkdesk/inbound-call-reaches-contact-center.json",
                true,
                true,
            ),
            ("talkdesk/inbound-call-starts.json", true, true),
            ("talkdesk/disposition-escalated-legal.json", false, true),
            ("talkdesk/inbound-call-ends.json", true, true),
        ],
        other_ids: &[],
        caller: "4155550123",
    },
    CallTemplate {
        vendor: "five9",
        call_id: "300000000123456",
        steps: &[
            ("five9/accepted-inbound.form", true, true),
            ("five9/dispositioned-resolved.form", true, false),
            ("five9/dispositioned-legal.form", false, true),
            ("five9/disconnected.form", true, true),
        ],
        other_ids: &[],
        caller: "4155550123",
    },
    CallTemplate {
        vendor: "nextiva",
        call_id: "66f1c0a2e4b0c13f5d2a9b77",
        steps: &[
            ("nextiva/call-started.inbound.json", true, true),
            ("nextiva/queued.json", true, true),
            ("nextiva/agent-connected.json", true, true),
            ("nextiva/caller-verified.json", true, false),
            ("nextiva/disposition.legal-threat.json", false, true),
        ],
        other_ids: &[],
        caller: "6025550123",
    },
    CallTemplate {
        vendor: "cloudtalk",
        call_id: "44fe27cd-5268-4670-993e-01293c9f8833",
        steps: &[
            ("cloudtalk/call-started.json", true, true),
            ("cloudtalk/answered.json", true, true),
            ("cloudtalk/call-modified-plain-tags.json", true, false),
            ("cloudtalk/call-modified-legal-tag.json", false, true),
        ],
        other_ids: &[],
        caller: "421900123456",
    },
];

fn fixture(path: &str) -> &'static str {
    FIXTURES
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, text)| *text)
        .unwrap_or_default()
}

/// An id of the same shape as `like` (digits stay digits, hex stays hex, dashes stay),
/// unique for call `n`; `kind` tells apart the ids of one call.
fn fresh_id(like: &str, n: u64, kind: u64) -> String {
    let slots = like.chars().filter(|c| *c != '-').count();
    let core = if like.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}{n:0w$}", 3 + kind % 6, w = slots.saturating_sub(1))
    } else {
        format!("{kind:x}{n:016x}")
    };
    let padded = format!("{core:0>slots$}");
    let mut chars = padded[padded.len() - slots.min(padded.len())..].chars();
    like.chars()
        .map(|c| match c {
            '-' => '-',
            _ => chars.next().unwrap_or('0'),
        })
        .collect()
}

/// `like` with its last seven digits made unique for call `n` (country and area code kept).
fn fresh_caller(like: &str, n: u64) -> String {
    let keep = like.len().saturating_sub(7);
    format!("{}{:07}", &like[..keep], n % 10_000_000)
}

/// The deliveries of call number `n`, in order. `escalate` gives it a hard-stop.
pub fn call(n: u64, escalate: bool) -> Vec<Delivery> {
    let template = &CALLS[(n % CALLS.len() as u64) as usize];
    let call_id = fresh_id(template.call_id, n, 0);
    let others: Vec<(&str, String)> = template
        .other_ids
        .iter()
        .zip(1..)
        .map(|(id, kind)| (*id, fresh_id(id, n, kind)))
        .collect();
    let caller = fresh_caller(template.caller, n);
    template
        .steps
        .iter()
        .filter(|(_, calm, escalating)| if escalate { *escalating } else { *calm })
        .map(|(path, _, _)| {
            let mut text = fixture(path)
                .replace(template.call_id, &call_id)
                .replace(template.caller, &caller);
            for (old, new) in &others {
                text = text.replace(old, new);
            }
            if !escalate {
                text = text
                    .replace(THREAT, BENIGN)
                    .replace(&THREAT.to_lowercase(), &BENIGN.to_lowercase());
            }
            delivery(template.vendor, path, text)
        })
        .collect()
}

fn delivery(vendor: &'static str, path: &str, text: String) -> Delivery {
    match vendor {
        "talkdesk" => Delivery {
            path: format!("/webhooks/talkdesk/{SECRET}"),
            content_type: "application/json",
            body: text.into_bytes(),
        },
        "five9" => Delivery {
            path: "/webhooks/five9".into(),
            content_type: "application/x-www-form-urlencoded",
            body: text.trim().replace("f9-test-secret", SECRET).into_bytes(),
        },
        _ => Delivery {
            path: format!("/webhooks/{vendor}"),
            content_type: if path.ends_with(".form") {
                "application/x-www-form-urlencoded"
            } else {
                "application/json"
            },
            body: text.into_bytes(),
        },
    }
}

/// The platforms a load run sends for.
pub fn vendors() -> impl Iterator<Item = &'static str> {
    CALLS.iter().map(|c| c.vendor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fixture_a_call_uses_is_embedded() {
        for c in CALLS {
            for (path, _, _) in c.steps {
                assert!(!fixture(path).is_empty(), "{path}");
                assert!(
                    fixture(path).contains(c.call_id),
                    "{path} lacks {}",
                    c.call_id
                );
            }
        }
    }

    #[test]
    fn each_call_gets_fresh_ids_of_the_same_shape() {
        let a = fresh_id("300000000123456", 7, 0);
        assert_eq!(a.len(), 15);
        assert!(a.bytes().all(|b| b.is_ascii_digit()));
        assert_ne!(a, fresh_id("300000000123456", 12, 0));
        let u = fresh_id("44fe27cd-5268-4670-993e-01293c9f8833", 9, 0);
        assert_eq!(u.len(), 36);
        assert_eq!(u.matches('-').count(), 4);
        let calls: Vec<Vec<Delivery>> = (0..10).map(|n| call(n, n % 2 == 0)).collect();
        let bodies: std::collections::HashSet<&[u8]> =
            calls.iter().flatten().map(|d| d.body.as_slice()).collect();
        assert_eq!(bodies.len(), calls.iter().map(Vec::len).sum::<usize>());
    }

    #[test]
    fn each_call_has_its_own_caller() {
        assert_eq!(fresh_caller("3175551234", 42), "3170000042");
        let a = String::from_utf8(call(5, false)[0].body.clone()).unwrap();
        let b = String::from_utf8(call(10, false)[0].body.clone()).unwrap();
        // Calls 5 and 10 are both Genesys calls.
        assert!(
            !a.contains("3175551234") && a.contains("+13170000005"),
            "{a}"
        );
        assert!(b.contains("+13170000010"), "{b}");
    }

    #[test]
    fn calm_calls_carry_no_threat() {
        let calm = call(0, false);
        assert!(calm.iter().all(|d| !String::from_utf8_lossy(&d.body)
            .to_lowercase()
            .contains("sue you")));
        let hot = call(0, true);
        assert!(hot.iter().any(|d| String::from_utf8_lossy(&d.body)
            .to_lowercase()
            .contains("sue you")));
    }
}
