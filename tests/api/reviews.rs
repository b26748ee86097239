//! QA review: every hard-stop awaits review, a sample of the rest; reviews are appended to
//! the escalation's hash-chained record, never overwritten.

use escalator::review::{Review, ReviewOutcome};
use escalator::store::{ReviewError, Store};
use escalator_adapters::Vendor;

use crate::audit::recorded;
use crate::helpers::*;

#[tokio::test]
async fn every_hard_stop_awaits_review_until_a_reviewer_records_an_outcome() {
    let (_dir, url) = recorded().await;
    let store = Store::connect(&url).await.unwrap();
    let queue = store.review_queue(10).await.unwrap();
    assert_eq!(queue.len(), 3, "{queue:#?}");
    let first = &queue[0];

    let review = Review {
        reviewer: "qa.lead@example.com".into(),
        outcome: ReviewOutcome::CoachingNeeded,
        notes: "transfer was right; the agent argued before transferring".into(),
    };
    store
        .record_review(&first.escalation_id, &review)
        .await
        .unwrap();
    let queue = store.review_queue(10).await.unwrap();
    assert_eq!(queue.len(), 2);
    assert_eq!(store.review_coverage().await.unwrap(), (3, 1));
    assert!(queue.iter().all(|q| q.escalation_id != first.escalation_id));

    // A second opinion is appended beside the first, which stays as it was.
    let second = Review {
        reviewer: "ops.manager@example.com".into(),
        outcome: ReviewOutcome::Compliant,
        notes: String::new(),
    };
    store
        .record_review(&first.escalation_id, &second)
        .await
        .unwrap();
    assert_eq!(
        store.reviews(&first.escalation_id).await.unwrap(),
        vec![review, second]
    );
    // Reviews are links of the same tamper-evident chain.
    let audit = store.verify_audit().await.unwrap();
    assert_eq!(audit.first_broken, None);
    // Three escalations' steps (two superseded by the next), and the two reviews.
    assert_eq!(audit.checked, 13);
}

#[tokio::test]
async fn a_review_of_an_unknown_escalation_is_refused() {
    let (_dir, url) = recorded().await;
    let store = Store::connect(&url).await.unwrap();
    let err = store
        .record_review(
            "no-such-escalation",
            &Review {
                reviewer: "qa".into(),
                outcome: ReviewOutcome::Compliant,
                notes: String::new(),
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ReviewError::UnknownEscalation(_)));
}

#[tokio::test]
async fn other_escalations_are_flagged_only_as_sampled() {
    let app = spawn_app_with(Options {
        credentials: false,
        configure: Some(Box::new(|c: &mut escalator::config::Config| {
            c.review.sample_percent = 0;
        })),
        ..Options::default()
    })
    .await;
    app.post_genesys(&customer_start()).await;
    app.post_genesys(&transcription(
        "u1",
        "I want to speak to your supervisor",
        "EXTERNAL",
        true,
    ))
    .await;
    app.wait_for_actions(|rows| !rows.is_empty()).await;
    let escalations = app.store.escalations(Vendor::Genesys, CID).await.unwrap();
    assert_eq!(escalations.len(), 1);
    assert!(app.store.review_queue(10).await.unwrap().is_empty());
}
