//! A skill transfer whose outcome is unknown is read back before anything is sent again;
//! a read that keeps failing parks it as uncertain. (A transfer answer carries no id, so
//! "2xx without an id" does not arise; the timeout case is
//! `a_transfer_with_an_unknown_outcome_is_reconciled_not_repeated`.)

use super::*;

fn read_call(answer: ResponseTemplate) -> Mock {
    Mock::given(method("GET"))
        .and(path(format!(
            "{REST}/agents/{AGENT_ID}/interactions/calls/{CALL}"
        )))
        .respond_with(answer)
}

#[tokio::test]
async fn a_transfer_applied_then_answered_503_is_found_on_the_call_not_sent_again() {
    let f = start(&format!("{AGENT}:agent:pw")).await;
    mount_session(&f.five9).await;
    mount_variables(&f.five9, 1).await;
    // Every transfer lands here: a second one would break `expect(1)`.
    mount_transfer(
        &f.five9,
        "skill-legal",
        "WARM",
        five9_error(503, "Service unavailable"),
    )
    .await;
    read_call(ResponseTemplate::new(200).set_body_json(json!({"id": CALL, "state": "CONSULTING"})))
        .expect(1)
        .mount(&f.five9)
        .await;

    f.caller_says(THREAT).await;
    let rows = f.wait(has("warm_transfer", "succeeded")).await;
    let steps = f.steps(&rows, "warm_transfer").await;
    assert!(
        steps.contains(&("transfer".into(), "unknown".into(), Some(503))),
        "{steps:?}"
    );
    assert!(
        steps.contains(&("reconcile".into(), "ok".into(), None)),
        "{steps:?}"
    );
    f.five9.verify().await;
}

#[tokio::test]
async fn a_transfer_of_unknown_outcome_whose_call_cannot_be_read_is_parked_uncertain() {
    let f = start(&format!("{AGENT}:agent:pw")).await;
    mount_session(&f.five9).await;
    mount_variables(&f.five9, 1).await;
    mount_transfer(
        &f.five9,
        "skill-legal",
        "WARM",
        five9_error(502, "Bad gateway"),
    )
    .await;
    read_call(five9_error(500, "Internal error"))
        .mount(&f.five9)
        .await;

    f.caller_says(THREAT).await;
    let rows = f.wait(has("warm_transfer", "uncertain")).await;
    let transfer = rows.iter().find(|a| a.kind == "warm_transfer").unwrap();
    assert!(
        transfer
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("uncertain"),
        "{transfer:#?}"
    );
    let steps = f.steps(&rows, "warm_transfer").await;
    assert_eq!(
        steps.iter().filter(|(step, ..)| step == "transfer").count(),
        1,
        "{steps:?}"
    );
    // A person is told to look before acting; the chain moves on.
    let parked = alerts_received(&f.alerts)
        .await
        .into_iter()
        .any(|a| a["escalator"]["notification"] == "uncertain");
    assert!(parked);
    f.five9.verify().await;
}
