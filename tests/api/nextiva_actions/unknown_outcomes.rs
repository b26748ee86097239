//! A workitem transfer whose outcome is unknown is read back before anything is sent
//! again; a read that keeps failing parks it as uncertain. (A transfer answer carries no
//! id, so "2xx without an id" does not arise; applied-then-5xx is
//! `a_transfer_answered_with_a_5xx_is_not_repeated_when_the_workitem_already_moved`.)

use super::*;

fn moved() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"_id": "m1", "workitemId": WID,
        "state": "inqueue", "type": "InboundCall", "data": {"queueId": "nx-supervisor"}}))
}

#[tokio::test]
async fn a_transfer_applied_then_timed_out_is_found_on_the_workitem_not_sent_again() {
    let t = spawn(true).await;
    // Applied, but the answer comes after the client's 2 s timeout.
    mount_transfer(
        &t.ncc,
        "nx-supervisor",
        transferred().set_delay(Duration::from_secs(3)),
        1,
    )
    .await;
    mount_workitem(&t.ncc, moved(), 1).await;
    t.call(true).await;
    t.caller_says(SUPERVISOR).await;

    let rows = t.wait(|r| status(r, "blind_transfer", "succeeded")).await;
    assert_eq!(
        t.attempts(&rows, "blind_transfer").await,
        vec![
            (1, "blind_transfer".into(), "unknown".into()),
            (2, "reconcile".into(), "ok".into()),
        ]
    );
    t.ncc.verify().await;
}

#[tokio::test]
async fn a_transfer_of_unknown_outcome_whose_workitem_cannot_be_read_is_parked_uncertain() {
    let t = spawn(true).await;
    mount_transfer(
        &t.ncc,
        "nx-supervisor",
        ncc_error(502, "BAD_GATEWAY", "upstream"),
        1,
    )
    .await;
    Mock::given(method("GET"))
        .and(path(workitem_path()))
        .respond_with(ncc_error(500, "INTERNAL", "try later"))
        .mount(&t.ncc)
        .await;
    mount_upsert(&t.ncc, lead_saved(), 1).await;
    t.call(true).await;
    t.caller_says(SUPERVISOR).await;

    let rows = t.wait(|r| status(r, "blind_transfer", "uncertain")).await;
    let steps = t.attempts(&rows, "blind_transfer").await;
    assert_eq!(
        steps
            .iter()
            .filter(|(_, s, _)| s == "blind_transfer")
            .count(),
        1,
        "{steps:?}"
    );
    // The chain moves on: the caller still gets a callback.
    t.wait(|r| status(r, "schedule_callback", "succeeded"))
        .await;
    t.ncc.verify().await;
}
