//! The database itself keeps the records append-only; reviews join the chain.

use super::fixtures::escalate;
use super::on_both_backends;
use crate::review::{Review, ReviewOutcome};
use crate::store::ReviewError;

on_both_backends! {
    async fn the_database_refuses_to_change_or_delete_a_sealed_step(db: TestDb) {
        let store = &db.store;
        escalate(store, "c1", "esc-1").await;
        let update = sqlx::query("UPDATE escalation_steps SET detail = 'nothing happened'")
            .execute(&store.writer)
            .await;
        let err = update.expect_err("update refused").to_string();
        assert!(err.contains("append-only"), "{err}");
        let delete = sqlx::query("DELETE FROM escalation_steps")
            .execute(&store.writer)
            .await;
        let err = delete.expect_err("delete refused").to_string();
        assert!(err.contains("append-only"), "{err}");
        assert_eq!(store.verify_audit().await.unwrap().first_broken, None);
    }

    async fn reviews_are_appended_to_the_chain_and_unknown_escalations_refused(db: TestDb) {
        let store = &db.store;
        escalate(store, "c1", "esc-1").await;
        let review = Review {
            reviewer: "qa.lead@example.com".into(),
            outcome: ReviewOutcome::Compliant,
            notes: "by the book".into(),
        };
        store.record_review("esc-1", &review).await.unwrap();
        assert_eq!(store.reviews("esc-1").await.unwrap(), vec![review.clone()]);
        assert_eq!(store.review_coverage().await.unwrap(), (1, 1));
        assert!(store.review_queue(10).await.unwrap().is_empty());
        let err = store.record_review("nope", &review).await.unwrap_err();
        assert!(matches!(err, ReviewError::UnknownEscalation(_)));
        let report = store.verify_audit().await.unwrap();
        assert_eq!((report.checked, report.first_broken), (4, None));
    }

    async fn a_reopened_store_keeps_its_chain(db: TestDb) {
        escalate(&db.store, "c1", "esc-1").await;
        db.store.close().await;
        let reopened = db.another().await;
        escalate(&reopened, "c2", "esc-2").await;
        let report = reopened.verify_audit().await.unwrap();
        assert_eq!((report.checked, report.first_broken), (6, None));
    }
}
