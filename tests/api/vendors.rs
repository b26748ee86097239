//! Five9, Nextiva and CloudTalk end to end: a delivery carrying a hard-stop signal (a
//! disposition, an agent's tag, what the caller said in the IVR) produces the right
//! decision; bad secrets are refused.

use escalator_adapters::Vendor;
use serde_json::{json, Value};

use crate::helpers::*;

fn fixture(path: &str) -> String {
    std::fs::read_to_string(format!("{}/fixtures/{path}", env!("CARGO_MANIFEST_DIR")))
        .expect("fixture")
}

async fn post_form(app: &TestApp, path: &str, body: String) -> reqwest::Response {
    app.http
        .post(format!("{}{path}", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn escalation_team(app: &TestApp, vendor: Vendor, call: &str) -> String {
    let rows = app.store.escalations(vendor, call).await.unwrap();
    assert_eq!(rows.len(), 1, "{rows:#?}");
    rows[0].team.clone()
}

#[tokio::test]
async fn five9_a_legal_disposition_goes_to_the_legal_team() {
    let app = spawn_app().await;
    let body = fixture("five9/dispositioned-legal.form").replace("f9-test-secret", SECRET);
    let r = post_form(&app, "/webhooks/five9", body.clone()).await;
    assert_eq!(r.status(), 200);
    let out: Value = r.json().await.unwrap();
    assert_eq!(out["events"][0]["outcome"], "escalated", "{out}");
    assert_eq!(
        escalation_team(&app, Vendor::Five9, "300000000123456").await,
        "legal"
    );

    // The connector's constant parameter is the credential.
    let wrong = post_form(&app, "/webhooks/five9", body.replace(SECRET, "guess")).await;
    assert_eq!(wrong.status(), 401);
}

#[tokio::test]
async fn five9_get_connectors_are_taken_too() {
    let app = spawn_app().await;
    let query = fixture("five9/accepted-outbound.query")
        .trim()
        .replace("f9-test-secret", SECRET);
    let r = app
        .http
        .get(format!("{}/webhooks/five9?{query}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

#[tokio::test]
async fn nextiva_a_legal_threat_disposition_goes_to_the_legal_team() {
    let app = spawn_app().await;
    let body: Value =
        serde_json::from_str(&fixture("nextiva/disposition.legal-threat.json")).unwrap();
    let r = app.post("/webhooks/nextiva", &body).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        escalation_team(&app, Vendor::Nextiva, "66f1c0a2e4b0c13f5d2a9b77").await,
        "legal"
    );
}

#[tokio::test]
async fn cloudtalk_an_agents_legal_tag_goes_to_the_legal_team() {
    let app = spawn_app().await;
    let body: Value =
        serde_json::from_str(&fixture("cloudtalk/call-modified-legal-tag.json")).unwrap();
    let r = app.post("/webhooks/cloudtalk", &body).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        escalation_team(
            &app,
            Vendor::Cloudtalk,
            "44fe27cd-5268-4670-993e-01293c9f8833"
        )
        .await,
        "legal"
    );
    // Without the header and with a wrong body secret: refused, nothing stored.
    let mut body = body;
    body["escalator_secret"] = json!("guess");
    let r = app
        .http
        .post(format!("{}/webhooks/cloudtalk", app.address))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn routing_hooks_answer_a_hard_stop_with_the_specialist_target() {
    let app = spawn_app().await;
    let text = "if this isn't fixed today I'm taking you to court";
    let five9 = post_form(
        &app,
        "/route/five9",
        format!(
            "escalator_secret={SECRET}&call_id=300000000999&ANI=4155550123&text={}",
            text.replace(' ', "+")
        ),
    )
    .await;
    assert_eq!(five9.status(), 200);
    let five9: Value = five9.json().await.unwrap();
    assert_eq!(five9["team"], "legal", "{five9}");
    assert_eq!(five9["route_skill"], "skill-legal", "{five9}");

    let nextiva: Value = app
        .post(
            "/route/nextiva",
            &json!({"workitemId": "66f1c0a2e4b0c13f5d2a9b99", "from": "+16025550123", "text": text}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(nextiva["team"], "legal", "{nextiva}");
    assert_eq!(nextiva["queueId"], "nx-legal", "{nextiva}");

    let cloudtalk: Value = app
        .post(
            "/route/cloudtalk",
            &json!({"call_uuid": "ct-route-1", "external_number": 421900123456_i64, "text": text}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cloudtalk["team"], "legal", "{cloudtalk}");
    assert_eq!(cloudtalk["group_id"], "ct-legal", "{cloudtalk}");
}

#[tokio::test]
async fn talkdesk_a_legal_disposition_by_a_secret_url_goes_to_the_legal_team() {
    let app = spawn_app().await;
    let body: Value =
        serde_json::from_str(&fixture("talkdesk/disposition-escalated-legal.json")).unwrap();
    let call = body["interaction_id"].as_str().unwrap().to_string();
    let r = app
        .http
        .post(format!("{}/webhooks/talkdesk/{SECRET}", app.address))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    assert_eq!(
        escalation_team(&app, Vendor::Talkdesk, &call).await,
        "legal"
    );
    let r = app
        .http
        .post(format!("{}/webhooks/talkdesk/not-the-secret", app.address))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // Studio's Execute Action sends the secret as X-API-Key.
    let answer: Value = app
        .http
        .post(format!("{}/route/talkdesk", app.address))
        .header("X-API-Key", SECRET)
        .json(
            &json!({"interaction_id": "td-route-1", "contact_phone_number": "+14155550123",
                      "text": "I'm going to the press with this"}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["team"], "communications", "{answer}");
}

/// A flow that asks the routing hook at each step: the answer that escalates carries the
/// issue the caller stated at an earlier step, as a field and in the one-line briefing.
#[tokio::test]
async fn a_routing_answer_carries_the_issue_stated_at_an_earlier_step() {
    let app = spawn_app().await;
    let issue = "I'm calling about my internet bill, it went from 60 to 120 this month.";
    let ask = |text: &'static str| {
        let app = &app;
        async move {
            let v: Value = app
                .post(
                    "/route/nextiva",
                    &json!({"workitemId": "66f1c0a2e4b0c13f5d2a9b98", "from": "+16025550123", "text": text}),
                )
                .await
                .json()
                .await
                .unwrap();
            v
        }
    };
    let first = ask(issue).await;
    assert_eq!(first["escalate"], false, "{first}");
    assert_eq!(first["summary"], "", "{first}");
    let answer = ask("if this isn't fixed today I'm taking you to court").await;
    assert_eq!(answer["team"], "legal", "{answer}");
    assert_eq!(answer["summary"], issue, "{answer}");
    assert!(
        answer["briefing"]
            .as_str()
            .unwrap_or_default()
            .ends_with(&format!("| issue: {issue}")),
        "{answer}"
    );
    assert!(answer["recentTurns"]
        .as_str()
        .unwrap_or_default()
        .starts_with(&format!("\"{issue}\"")));
}
