//! Deliveries that arrive together are written in one transaction (group commit): each is
//! still answered with its own events' outcomes, only after the commit, and an event that
//! two concurrent deliveries carry is recorded once.

use escalator_adapters::Vendor;
use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn concurrent_deliveries_each_get_their_own_outcomes_and_duplicates_count_once() {
    let app = spawn_app().await;
    let calls = 30;
    let text = |i: usize| {
        if i.is_multiple_of(5) {
            "I'm going to sue you over this"
        } else {
            "thanks, that sorts out my bill"
        }
    };
    // Every utterance is sent twice at once, as a platform retrying early would.
    let sends = (0..calls).flat_map(|i| {
        let app = &app;
        let call = format!("gc-{i}");
        let utterance = format!("gc-u-{i}");
        [0, 1].map(move |_| {
            let (call, utterance) = (call.clone(), utterance.clone());
            async move {
                let r = app
                    .post_caller_said(Vendor::Standard, &call, &utterance, text(i))
                    .await;
                assert_eq!(r.status(), 200);
                let body: Value = r.json().await.unwrap();
                (
                    i,
                    body["events"][0]["outcome"].as_str().unwrap().to_string(),
                )
            }
        })
    });
    let answers = futures::future::join_all(sends).await;

    for i in 0..calls {
        let mut outcomes: Vec<&str> = answers
            .iter()
            .filter(|(n, _)| *n == i)
            .map(|(_, o)| o.as_str())
            .collect();
        outcomes.sort_unstable();
        let first = if i % 5 == 0 { "escalated" } else { "recorded" };
        assert_eq!(outcomes, ["duplicate", first], "call {i}");
    }
    assert_eq!(
        app.store.count_events(Vendor::Standard).await.unwrap(),
        calls as i64
    );
    for i in (0..calls).step_by(5) {
        let call = format!("gc-{i}");
        let escalations = app
            .store
            .escalations(Vendor::Standard, &call)
            .await
            .unwrap();
        assert_eq!(escalations.len(), 1, "call {call}");
    }
}
