//! What a score does on a live call.

use std::time::{Duration, Instant};

use escalator_adapters::Vendor;
use serde_json::Value;
use wiremock::MockServer;

use super::double::{Gate, Markers, NEAREST};
use super::{dir_with_playbook, drained, escalations, primary, spawn_scoring};
use crate::helpers::*;

/// The outcome the acknowledgement gave the delivery's first event.
async fn outcome(r: reqwest::Response) -> String {
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.expect("JSON");
    body["events"][0]["outcome"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn an_utterance_the_rules_miss_escalates_once_through_its_score() {
    let scorer = Markers::new();
    let app = spawn_scoring(dir_with_playbook(), scorer.clone(), |_| {}).await;
    let said = |id: &'static str| {
        app.post_caller_said(
            Vendor::Talkdesk,
            "sem-1",
            id,
            "there is a zebra on my statement",
        )
    };
    assert_eq!(
        outcome(said("u1").await).await,
        "recorded",
        "the rules miss it"
    );
    drained(&app).await;
    let rows = escalations(&app, Vendor::Talkdesk, "sem-1").await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0].team, "fraud");
    assert_eq!(rows[0].tier, "specialist");
    let trigger = primary(&rows[0]);
    assert_eq!(trigger["rule_id"], "semantic.fraud");
    assert_eq!(trigger["span"], "there is a zebra on my statement");
    assert_eq!(trigger["utterance_id"], "u1");
    assert!((trigger["semantic"]["score"].as_f64().unwrap() - 0.95).abs() < 1e-6);
    assert_eq!(trigger["semantic"]["nearest"][0]["text"], NEAREST);
    // The same trigger again is the same escalation.
    assert_eq!(outcome(said("u2").await).await, "recorded");
    drained(&app).await;
    assert_eq!(scorer.calls(), 2);
    assert_eq!(escalations(&app, Vendor::Talkdesk, "sem-1").await.len(), 1);
}

#[tokio::test]
async fn a_category_the_rules_escalated_is_not_escalated_again_by_its_score() {
    let scorer = Markers::new();
    let app = spawn_scoring(dir_with_playbook(), scorer.clone(), |_| {}).await;
    let r = app
        .post_caller_said(
            Vendor::Talkdesk,
            "sem-2",
            "u1",
            "I'm going to sue you, kestrel",
        )
        .await;
    assert_eq!(outcome(r).await, "escalated");
    drained(&app).await;
    assert_eq!(scorer.calls(), 1);
    let rows = escalations(&app, Vendor::Talkdesk, "sem-2").await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    let rule = primary(&rows[0])["rule_id"].as_str().unwrap_or_default();
    assert!(!rule.starts_with("semantic."), "{rule}");
}

#[tokio::test]
async fn a_less_confident_score_alerts_a_supervisor_and_flags_the_call_without_a_transfer() {
    let alerts = MockServer::start().await;
    mount_alert_webhook(&alerts).await;
    let dir = dir_with_playbook();
    let playbook = dir.path().join("playbook.toml");
    let app = spawn_app_with(Options {
        credentials: false,
        dir: Some(dir),
        scorer: Some(Markers::new()),
        api_secrets: vec![alert_webhook_secret(&alerts)],
        configure: Some(Box::new(move |c| c.playbook.file = Some(playbook))),
        ..Options::default()
    })
    .await;
    let r = app
        .post_caller_said(
            Vendor::Talkdesk,
            "sem-3",
            "u1",
            "a walrus told me about this",
        )
        .await;
    assert_eq!(outcome(r).await, "recorded");
    drained(&app).await;
    let rows = escalations(&app, Vendor::Talkdesk, "sem-3").await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0].status, "review");
    assert_eq!(primary(&rows[0])["rule_id"], "semantic.legal_threat.review");
    let actions = app
        .wait_for_actions_on(Vendor::Talkdesk, "sem-3", |a| {
            a.iter().any(|a| a.status == "succeeded")
        })
        .await;
    let kinds: Vec<&str> = actions.iter().map(|a| a.kind.as_str()).collect();
    assert_eq!(kinds, ["alert_semantic_review"], "an alert, no transfer");
    let sent = alerts_received(&alerts).await;
    assert_eq!(sent.len(), 1, "{sent:#?}");
    assert_eq!(sent[0]["escalator"]["reason"], "semantic_review");
    assert!(
        sent[0]["text"].as_str().unwrap().contains("0.60"),
        "{sent:#?}"
    );
    let queue = app.store.review_queue(50).await.expect("review queue");
    assert!(queue.iter().any(|q| q.escalation_id == rows[0].id));
    let session = app.store.session(Vendor::Talkdesk, "sem-3").await.unwrap();
    assert!(session.escalation.is_none(), "nothing is open on the call");
    // The same doubt again is not a second alert.
    app.post_caller_said(Vendor::Talkdesk, "sem-3", "u2", "the walrus again")
        .await;
    drained(&app).await;
    assert_eq!(escalations(&app, Vendor::Talkdesk, "sem-3").await.len(), 1);
}

#[tokio::test]
async fn self_harm_at_its_threshold_escalates_to_welfare() {
    let app = spawn_scoring(dir_with_playbook(), Markers::new(), |_| {}).await;
    let r = app
        .post_caller_said(
            Vendor::Talkdesk,
            "sem-4",
            "u1",
            "the heron keeps coming back",
        )
        .await;
    assert_eq!(outcome(r).await, "recorded");
    drained(&app).await;
    let rows = escalations(&app, Vendor::Talkdesk, "sem-4").await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0].team, "welfare");
    assert_eq!(primary(&rows[0])["kind"], "self_harm");
    assert_eq!(primary(&rows[0])["rule_id"], "semantic.self_harm");
    assert!(
        rows[0].decision["guidance"].is_string(),
        "the self-harm protocol"
    );
}

#[tokio::test]
async fn agent_lines_and_partials_are_never_scored() {
    let scorer = Markers::new();
    let app = spawn_scoring(dir_with_playbook(), scorer.clone(), |_| {}).await;
    for (id, channel, is_final) in [("a", "INTERNAL", true), ("b", "EXTERNAL", false)] {
        let r = app
            .post_genesys(&transcription(
                id,
                "a zebra on the account",
                channel,
                is_final,
            ))
            .await;
        assert_eq!(r.status(), 200);
    }
    let r = app
        .post_genesys(&transcription("c", "thanks, that is all", "EXTERNAL", true))
        .await;
    assert_eq!(r.status(), 200);
    drained(&app).await;
    assert_eq!(scorer.calls(), 1, "only the customer's final line");
    assert!(escalations(&app, Vendor::Genesys, CID).await.is_empty());
}

#[tokio::test]
async fn anger_in_the_words_gives_heard_guidance_on_a_platform_without_sentiment() {
    let app = spawn_scoring(dir_with_playbook(), Markers::new(), |_| {}).await;
    let r = app
        .post_caller_said(Vendor::Five9, "sem-6", "u1", "there is a hornet in here")
        .await;
    assert_eq!(outcome(r).await, "recorded", "no anger phrase");
    drained(&app).await;
    let rows = escalations(&app, Vendor::Five9, "sem-6").await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0].tier, "agent");
    assert_eq!(primary(&rows[0])["kind"], "anger");
    assert_eq!(primary(&rows[0])["rule_id"], "semantic.anger");
    let playbook: toml::Table =
        toml::from_str(escalator::playbook::file::DEFAULT_PLAYBOOK).expect("playbook");
    assert_eq!(
        rows[0].decision["guidance"].as_str(),
        playbook["guidance"]["heard"].as_str(),
        "HEARD guidance"
    );
    // Five9 shows the agent guidance during the call.
    let actions = app.store.actions(Vendor::Five9, "sem-6").await.unwrap();
    assert!(
        actions.iter().any(|a| a.kind == "agent_guidance"),
        "{actions:#?}"
    );
    let session = app.store.session(Vendor::Five9, "sem-6").await.unwrap();
    assert!(session.anger.heard_given);
}

#[tokio::test]
async fn deliveries_are_acknowledged_without_waiting_for_their_score() {
    let gate = Gate::closed();
    let app = spawn_scoring(dir_with_playbook(), Markers::gated(gate.clone()), |_| {}).await;
    let r = app
        .post_caller_said(Vendor::Talkdesk, "sem-7", "u1", "a zebra in the statement")
        .await;
    assert_eq!(outcome(r).await, "recorded");
    gate.reached(1).await;
    // The score is held; another delivery is still acknowledged at once.
    let started = Instant::now();
    let r = app
        .post_caller_said(Vendor::Talkdesk, "sem-7b", "u2", "just checking my balance")
        .await;
    assert_eq!(outcome(r).await, "recorded");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(escalations(&app, Vendor::Talkdesk, "sem-7")
        .await
        .is_empty());
    gate.open();
    drained(&app).await;
    assert_eq!(escalations(&app, Vendor::Talkdesk, "sem-7").await.len(), 1);
}
