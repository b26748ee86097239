//! `/api/v1/callbacks`: listing with filters, showing with history, every change, and the
//! refusals that name the field (422), an unknown reference (404) and a closed one (409).

use serde_json::json;

use super::{admin_app, assert_invalid, committed, get, post, post_raw};

/// Tomorrow at `hour`:00 in the test caller's zone.
fn tomorrow_at(hour: i8) -> jiff::Timestamp {
    let zone = jiff::tz::TimeZone::get("America/Indiana/Indianapolis").unwrap();
    let today = jiff::Timestamp::now().to_zoned(zone.clone()).date();
    today
        .tomorrow()
        .unwrap()
        .at(hour, 0, 0, 0)
        .to_zoned(zone)
        .unwrap()
        .timestamp()
}

#[tokio::test]
async fn a_callback_is_listed_shown_and_changed_with_its_history() {
    let app = admin_app().await;
    let reference = committed(&app, "call-a1").await;

    let (status, list) = get(&app, "/callbacks?status=pending&team=legal").await;
    assert_eq!(status, 200);
    assert_eq!(list["count"], 1, "{list}");
    let (_, owned) = get(&app, "/callbacks?owner=Owner%20of%20legal").await;
    assert_eq!(owned["count"], 1, "{owned}");
    let (_, none) = get(&app, "/callbacks?overdue=true").await;
    assert_eq!(none["count"], 0, "{none}");
    let (_, none) = get(&app, "/callbacks?team=fraud").await;
    assert_eq!(none["count"], 0, "{none}");

    let (status, shown) = get(&app, &format!("/callbacks/{}", reference.to_lowercase())).await;
    assert_eq!(status, 200, "{shown}");
    assert_eq!(shown["callback"]["reference"], reference.as_str());
    assert_eq!(shown["history"][0]["change"], "created");

    let path = |what: &str| format!("/callbacks/{reference}/{what}");
    let (status, body) = post(
        &app,
        &path("attempts"),
        &json!({"outcome": "no_answer", "notes": "rang out", "actor": "dana"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["callback"]["status"], "attempted");
    assert_eq!(body["callback"]["attempts"], 1);

    let (status, body) = post(
        &app,
        &path("reassign"),
        &json!({"owner": "Sam Ortiz", "reason": "Dana is off", "actor": "lead"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["callback"]["owner"], "Sam Ortiz");

    // Tomorrow 10:00–12:00 at the caller's (Indianapolis) end: inside calling hours.
    let start = tomorrow_at(10);
    let end = start + jiff::SignedDuration::from_hours(2);
    let (status, body) = post(
        &app,
        &path("reschedule"),
        &json!({"window_start": start.to_string(), "window_end": end.to_string(),
                "reason": "after lunch", "actor": "sam"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["callback"]["status"], "rescheduled");
    let due = (end + jiff::SignedDuration::from_hours(1)).to_string();
    let (_, due_list) = get(
        &app,
        &format!("/callbacks?due_before={}", due.replace('+', "%2B")),
    )
    .await;
    assert_eq!(due_list["count"], 1, "{due_list}");

    let (status, body) = post(&app, &path("complete"), &json!({"actor": "sam"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["callback"]["status"], "completed");

    let (status, body) = post(
        &app,
        &path("cancel"),
        &json!({"reason": "too late", "actor": "sam"}),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "conflict");

    let (_, shown) = get(&app, &format!("/callbacks/{reference}")).await;
    let changes: Vec<&str> = shown["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["change"].as_str().unwrap())
        .collect();
    assert_eq!(
        changes,
        [
            "created",
            "attempted",
            "reassigned",
            "rescheduled",
            "completed"
        ]
    );
    assert_eq!(shown["history"][2]["actor"], "lead");
}

#[tokio::test]
async fn a_second_callback_can_be_cancelled() {
    let app = admin_app().await;
    let reference = committed(&app, "call-a2").await;
    let path = format!("/callbacks/{reference}/cancel");
    let (status, body) = post(&app, &path, &json!({"actor": "sam"})).await;
    assert_invalid(status, &body, "reason");
    let (status, body) = post(&app, &path, &json!({"reason": "dup", "actor": "sam"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["callback"]["status"], "cancelled");
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field() {
    let app = admin_app().await;
    let reference = committed(&app, "call-a3").await;
    for (query, field) in [
        ("status=bogus", "status"),
        ("due_before=yesterday", "due_before"),
        ("overdue=maybe", "overdue"),
        ("limit=0", "limit"),
        ("colour=red", "colour"),
    ] {
        let (status, body) = get(&app, &format!("/callbacks?{query}")).await;
        assert_invalid(status, &body, field);
    }
    let path = |what: &str| format!("/callbacks/{reference}/{what}");
    let cases = [
        (
            "attempts",
            json!({"outcome": "busy", "actor": "a", "extra": 1}),
            "extra",
        ),
        ("attempts", json!({"outcome": "busy"}), "actor"),
        ("attempts", json!({"actor": "a"}), "outcome"),
        ("attempts", json!({"outcome": 3, "actor": "a"}), "outcome"),
        ("reassign", json!({"reason": "r", "actor": "a"}), "owner"),
        (
            "reschedule",
            json!({"window_start": "soon", "window_end": "2030-01-01T00:00:00Z",
                   "reason": "r", "actor": "a"}),
            "window_start",
        ),
        (
            "reschedule",
            json!({"window_start": "2030-01-02T00:00:00Z", "window_end": "2030-01-01T00:00:00Z",
                   "reason": "r", "actor": "a"}),
            "window_end",
        ),
        // 22:00 to 01:00 the next day at the caller's end runs through the night.
        (
            "reschedule",
            json!({"window_start": tomorrow_at(22).to_string(),
                   "window_end": (tomorrow_at(22) + jiff::SignedDuration::from_hours(3)).to_string(),
                   "reason": "r", "actor": "a"}),
            "window_start",
        ),
    ];
    for (what, body, field) in cases {
        let (status, answer) = post(&app, &path(what), &body).await;
        assert_invalid(status, &answer, field);
    }
    let (status, body) = post_raw(&app, &path("complete"), "{not json".into()).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["field"], "body");

    let (status, body) = get(&app, "/callbacks/ESC-0000-0000").await;
    assert_eq!((status, body["error"].as_str()), (404, Some("not_found")));
    // One character mistyped: said so, with the commitment it is one character from.
    let mut typed: Vec<char> = reference.chars().collect();
    typed[5] = if typed[5] == 'A' { 'B' } else { 'A' };
    let typed: String = typed.into_iter().collect();
    if escalator::reference::canonical(&typed).is_none() {
        let (status, body) = get(&app, &format!("/callbacks/{typed}")).await;
        assert_eq!(status, 404, "{body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with("check character does not match — did you mean ")
                && message.contains(&reference),
            "{message}"
        );
    }
    let (status, _) = post(
        &app,
        "/callbacks/ESC-0000-0000/complete",
        &json!({"actor": "a"}),
    )
    .await;
    assert_eq!(status, 404);
    // Nothing was changed by any of it.
    let (_, shown) = get(&app, &format!("/callbacks/{reference}")).await;
    assert_eq!(shown["history"].as_array().unwrap().len(), 1, "{shown}");
}
