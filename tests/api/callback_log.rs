//! The Supervisor Callback Log: every change to a commitment is recorded with who, when and
//! why; closed commitments cannot be changed; filters find what is owed.

use escalator::store::{CallbackChange, CallbackError, CallbackFilter, CallbackStatus};
use escalator_adapters::Vendor;

use crate::helpers::*;

/// A call heard through the neutral feed with no platform: the chain is the named callback.
async fn committed(app: &TestApp, call: &str) -> String {
    let said = app
        .post_caller_said(
            Vendor::Standard,
            call,
            &format!("u-{call}"),
            "I'm calling my lawyer about this",
        )
        .await;
    assert_eq!(said.status(), 200);
    app.wait_for_actions_on(Vendor::Standard, call, |rows| {
        rows.iter()
            .any(|a| a.kind == "named_callback" && a.status == "succeeded")
    })
    .await;
    app.store
        .callbacks(10)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.call_id == call)
        .expect("callback recorded")
        .reference
}

#[tokio::test]
async fn every_change_is_recorded_with_who_and_why_and_a_closed_callback_stays_closed() {
    let app = spawn_app().await;
    let reference = committed(&app, "call-1").await;
    let store = &app.store;

    let cb = store
        .callback(&reference.to_lowercase())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cb.status, "pending");
    assert_eq!(cb.owner.as_deref(), Some("Owner of legal"));
    assert_eq!(cb.tier.as_deref(), Some("specialist"));
    assert_eq!(
        cb.quote.as_deref(),
        Some("I'm calling my lawyer about this")
    );
    assert_eq!(cb.number.as_deref(), Some(CALLER));

    let cb = store
        .change_callback(
            &reference,
            "dana.reyes",
            &CallbackChange::Attempt {
                outcome: "no_answer".into(),
                notes: "rang out".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!((cb.status.as_str(), cb.attempts), ("attempted", 1));

    let cb = store
        .change_callback(
            &reference,
            "ops.lead",
            &CallbackChange::Reassign {
                owner: "Sam Ortiz".into(),
                reason: "Dana is off sick".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(cb.owner.as_deref(), Some("Sam Ortiz"));

    let start = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1);
    let cb = store
        .change_callback(
            &reference,
            "sam.ortiz",
            &CallbackChange::Reschedule {
                window_start: start,
                window_end: start + jiff::SignedDuration::from_hours(2),
                reason: "caller asked for after lunch".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(cb.status, "rescheduled");
    assert!(cb.window_start.is_some());

    let cb = store
        .change_callback(
            &reference,
            "sam.ortiz",
            &CallbackChange::Complete {
                notes: "reached, legal team briefed".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(cb.status, "completed");

    let closed = store
        .change_callback(&reference, "someone", &CallbackChange::Miss)
        .await
        .unwrap_err();
    assert!(matches!(closed, CallbackError::Closed { .. }), "{closed}");

    let history = store.callback_history(&cb.id).await.unwrap();
    let summary: Vec<(&str, &str, &str)> = history
        .iter()
        .map(|h| (h.change.as_str(), h.actor.as_str(), h.to_status.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("created", "escalator", "pending"),
            ("attempted", "dana.reyes", "attempted"),
            ("reassigned", "ops.lead", "attempted"),
            ("rescheduled", "sam.ortiz", "rescheduled"),
            ("completed", "sam.ortiz", "completed"),
        ]
    );
    assert_eq!(history[2].reason.as_deref(), Some("Dana is off sick"));
    assert_eq!(history[2].detail["from"], "Owner of legal");
}

#[tokio::test]
async fn changes_without_what_the_log_needs_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let reference = committed(&app, "call-2").await;
    let store = &app.store;
    let field = |e: CallbackError| match e {
        CallbackError::Invalid { field, .. } => field,
        other => panic!("{other}"),
    };
    let now = jiff::Timestamp::now();
    let cases = [
        (
            "ops",
            CallbackChange::Cancel { reason: " ".into() },
            "reason",
        ),
        (
            "ops",
            CallbackChange::Reschedule {
                window_start: now,
                window_end: now,
                reason: "later".into(),
            },
            "window_end",
        ),
        (
            "ops",
            CallbackChange::Reassign {
                owner: "".into(),
                reason: "rota".into(),
            },
            "owner",
        ),
        (
            "",
            CallbackChange::Complete {
                notes: String::new(),
            },
            "actor",
        ),
    ];
    for (actor, change, expected) in cases {
        let err = store
            .change_callback(&reference, actor, &change)
            .await
            .unwrap_err();
        assert_eq!(field(err), expected);
    }
    let missing = store
        .change_callback("ESC-0000-0000", "ops", &CallbackChange::Miss)
        .await
        .unwrap_err();
    assert!(matches!(missing, CallbackError::NotFound(_)));
    // Nothing refused changed anything.
    let cb = store.callback(&reference).await.unwrap().unwrap();
    assert_eq!(cb.status, "pending");
    assert_eq!(store.callback_history(&cb.id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn filters_find_open_overdue_and_owned_commitments() {
    let app = spawn_app().await;
    let a = committed(&app, "call-a").await;
    let b = committed(&app, "call-b").await;
    let store = &app.store;
    // `a` is owed in a window that already ended; `b` is reassigned and still open.
    let past = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(3);
    store
        .change_callback(
            &a,
            "ops",
            &CallbackChange::Reschedule {
                window_start: past,
                window_end: past + jiff::SignedDuration::from_hours(1),
                reason: "promised this morning".into(),
            },
        )
        .await
        .unwrap();
    store
        .change_callback(
            &b,
            "ops",
            &CallbackChange::Reassign {
                owner: "Sam Ortiz".into(),
                reason: "rota".into(),
            },
        )
        .await
        .unwrap();
    let refs = |rows: Vec<escalator::store::CallbackRecord>| {
        rows.into_iter().map(|r| r.reference).collect::<Vec<_>>()
    };
    let overdue = CallbackFilter {
        overdue: true,
        ..Default::default()
    };
    assert_eq!(refs(store.list_callbacks(&overdue).await.unwrap()), vec![a]);
    let sams = CallbackFilter {
        owner: Some("Sam Ortiz".into()),
        ..Default::default()
    };
    assert_eq!(
        refs(store.list_callbacks(&sams).await.unwrap()),
        vec![b.clone()]
    );
    let pending = CallbackFilter {
        status: Some(CallbackStatus::Pending),
        ..Default::default()
    };
    assert_eq!(refs(store.list_callbacks(&pending).await.unwrap()), vec![b]);
    let legal = CallbackFilter {
        team: Some("legal".into()),
        ..Default::default()
    };
    assert_eq!(store.list_callbacks(&legal).await.unwrap().len(), 2);
    let counts = store
        .open_callbacks_by_owner(&["Sam Ortiz".into(), "Owner of legal".into()])
        .await
        .unwrap();
    assert_eq!(
        counts,
        [
            ("Sam Ortiz".to_string(), 1),
            ("Owner of legal".to_string(), 1)
        ]
    );
}

#[tokio::test]
async fn each_new_callback_goes_to_whoever_on_the_roster_has_fewest_open() {
    let app = spawn_app_with(Options {
        configure: Some(Box::new(|c: &mut escalator::config::Config| {
            let legal = c.teams.get_mut("legal").expect("legal team");
            legal.roster = vec!["Ana Lima".into(), "Ben Okafor".into()];
        })),
        ..Options::default()
    })
    .await;
    let first = committed(&app, "call-r1").await;
    let second = committed(&app, "call-r2").await;
    // Ana's first one is done: she has fewer open again.
    app.store
        .change_callback(
            &first,
            "ana.lima",
            &CallbackChange::Complete {
                notes: "reached".into(),
            },
        )
        .await
        .unwrap();
    let third = committed(&app, "call-r3").await;
    let owner = |r: String| {
        let store = app.store.clone();
        async move { store.callback(&r).await.unwrap().unwrap().owner }
    };
    assert_eq!(owner(first).await.as_deref(), Some("Ana Lima"));
    assert_eq!(owner(second).await.as_deref(), Some("Ben Okafor"));
    assert_eq!(owner(third).await.as_deref(), Some("Ana Lima"));
}

#[tokio::test]
async fn a_named_callback_promises_a_window_in_the_callees_zone() {
    // The test config lets callbacks be placed at any hour with a day-long policy, so the
    // window opens now (night-time refusals are tested at fixed times in src/callbacks/).
    let app = spawn_app().await;
    let reference = committed(&app, "call-w").await;
    let cb = app.store.callback(&reference).await.unwrap().unwrap();
    let created = &app.store.callback_history(&cb.id).await.unwrap()[0];
    let start: jiff::Timestamp = cb.window_start.as_deref().expect("window").parse().unwrap();
    let end: jiff::Timestamp = cb.window_end.as_deref().expect("window").parse().unwrap();
    assert!(end > start);
    assert!(end.duration_since(start) <= jiff::SignedDuration::from_hours(24));
    assert!(jiff::Timestamp::now().duration_since(start) < jiff::SignedDuration::from_mins(5));
    // The caller's 317 number is in Indianapolis.
    assert_eq!(cb.zone.as_deref(), Some("America/Indiana/Indianapolis"));
    assert!(created.detail["window_error"].is_null());
}

/// The caller's address (here from the neutral feed's `refs`; Genesys attributes, Five9 and
/// CloudTalk contact fields fill the same keys) decides the zone before the number.
#[tokio::test]
async fn the_callers_address_and_number_both_bind_the_callback_zones() {
    let app = spawn_app().await;
    let said = app
        .post_caller_said_with_refs(
            Vendor::Standard,
            "call-fl",
            "u-fl",
            "I'm calling my lawyer about this",
            serde_json::json!({"caller_subdivision": "FL"}),
        )
        .await;
    assert_eq!(said.status(), 200);
    app.wait_for_actions_on(Vendor::Standard, "call-fl", |rows| {
        rows.iter()
            .any(|a| a.kind == "named_callback" && a.status == "succeeded")
    })
    .await;
    let cb = app.store.callbacks(1).await.unwrap().remove(0);
    // A 317 (Indianapolis) number, a caller living in Florida: either place, both laws,
    // and both of Florida's zones.
    assert_eq!(cb.region.as_deref(), Some("US-IN US-FL"));
    assert_eq!(
        cb.zone.as_deref(),
        Some("America/Indiana/Indianapolis America/New_York America/Chicago")
    );
}

#[tokio::test]
async fn a_callback_from_an_agents_call_goes_to_that_agents_supervisor_where_configured() {
    let app = spawn_app_with(Options {
        configure: Some(Box::new(|c: &mut escalator::config::Config| {
            c.callbacks
                .agent_supervisors
                .insert("agent-7".into(), "Priya Natarajan".into());
            let legal = c.teams.get_mut("legal").expect("legal team");
            legal.roster = vec!["Ana Lima".into()];
        })),
        ..Options::default()
    })
    .await;
    let said = app
        .post_caller_said_with_refs(
            Vendor::Standard,
            "call-s",
            "u-s",
            "I'm calling my lawyer about this",
            serde_json::json!({"agent_id": "agent-7"}),
        )
        .await;
    assert_eq!(said.status(), 200);
    app.wait_for_actions_on(Vendor::Standard, "call-s", |rows| {
        rows.iter()
            .any(|a| a.kind == "named_callback" && a.status == "succeeded")
    })
    .await;
    // Another agent's call: not mapped, so the roster decides.
    let other = committed(&app, "call-o").await;
    let owners: Vec<(String, Option<String>)> = app
        .store
        .callbacks(10)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.reference, c.owner))
        .collect();
    assert!(owners
        .iter()
        .any(|(_, o)| o.as_deref() == Some("Priya Natarajan")));
    assert!(owners
        .iter()
        .any(|(r, o)| *r == other && o.as_deref() == Some("Ana Lima")));
}

/// The log's issue summary is what the caller said the call was about, before the trigger,
/// as the briefing chose it; the admin API shows it.
#[tokio::test]
async fn a_callback_keeps_the_issue_the_caller_stated_before_the_trigger() {
    let app = crate::admin::admin_app().await;
    let call = "call-issue";
    for (id, text) in [
        ("u-1", "Hi, good morning."),
        (
            "u-2",
            "I'm calling about my internet bill, it doubled this month and nobody fixed it.",
        ),
        ("u-3", "Yes."),
        ("u-4", "I'm calling my lawyer about this"),
    ] {
        let said = app.post_caller_said(Vendor::Standard, call, id, text).await;
        assert_eq!(said.status(), 200);
    }
    app.wait_for_actions_on(Vendor::Standard, call, |rows| {
        rows.iter()
            .any(|a| a.kind == "named_callback" && a.status == "succeeded")
    })
    .await;
    let cb = app
        .store
        .callbacks(10)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.call_id == call)
        .expect("callback recorded");
    let issue = "I'm calling about my internet bill, it doubled this month and nobody fixed it.";
    assert_eq!(cb.issue_summary.as_deref(), Some(issue));
    assert_eq!(
        cb.quote.as_deref(),
        Some("I'm calling my lawyer about this")
    );

    let (status, body) = crate::admin::get(&app, &format!("/callbacks/{}", cb.reference)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["callback"]["issue_summary"], issue, "{body}");
    let (status, body) = crate::admin::get(&app, "/callbacks").await;
    assert_eq!(status, 200, "{body}");
    assert!(body["callbacks"]
        .as_array()
        .expect("callbacks")
        .iter()
        .any(|c| c["issue_summary"] == issue));
}

/// A call whose only turn is the trigger, and the trigger does not say what the call is
/// about: no issue summary rather than a made-up one.
#[tokio::test]
async fn a_callback_without_an_issue_stated_has_no_summary() {
    let app = spawn_app().await;
    let reference = committed(&app, "call-bare").await;
    let cb = app.store.callback(&reference).await.unwrap().unwrap();
    assert_eq!(cb.issue_summary, None);
}

#[tokio::test]
async fn the_alert_names_the_owner_the_callback_log_recorded() {
    let alerts = wiremock::MockServer::start().await;
    mount_alert_webhook(&alerts).await;
    let app = spawn_app_with(Options {
        configure: Some(Box::new(|c: &mut escalator::config::Config| {
            let legal = c.teams.get_mut("legal").expect("legal team");
            // The roster decides the owner, not the team's configured `callback_owner`.
            legal.roster = vec!["Ana Lima".into()];
        })),
        api_secrets: vec![alert_webhook_secret(&alerts)],
        ..Options::default()
    })
    .await;
    let reference = committed(&app, "call-owner").await;
    app.wait_for_actions_on(Vendor::Standard, "call-owner", |rows| {
        rows.iter()
            .any(|a| a.kind == "alert_chain_exhausted" && a.status == "succeeded")
    })
    .await;
    let cb = app.store.callback(&reference).await.unwrap().unwrap();
    assert_eq!(cb.owner.as_deref(), Some("Ana Lima"));
    let sent = alerts_received(&alerts).await;
    let alert = sent
        .iter()
        .find(|a| a["escalator"]["reason"] == "chain_exhausted")
        .expect("chain_exhausted alert");
    assert_eq!(alert["escalator"]["owner"], "Ana Lima", "{alert:#}");
    let text = alert["text"].as_str().unwrap();
    assert!(text.contains("Owner: Ana Lima."), "{text}");
}
