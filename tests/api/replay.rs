//! `escalator replay` runs fixtures through the real pipeline and shows decisions.

use std::path::PathBuf;

use escalator::config::Config;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/genesys")
        .join(name)
}

#[tokio::test]
async fn replay_shows_events_decisions_and_planned_actions() {
    let files = [
        fixture("customer-start.eventbridge.json"),
        fixture("transcription-final-agent.eventbridge.json"),
        fixture("transcription-final-customer.eventbridge.json"),
        fixture("transcription-final-customer.eventbridge.json"),
    ];
    let lines = escalator::replay::replay(&Config::default(), None, &files)
        .await
        .expect("replay runs");
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["events"][0]["type"], "call_started");
    assert!(lines[1]["decisions"].as_array().unwrap().is_empty());
    let decision = &lines[2]["decisions"][0];
    assert_eq!(decision["team"], "legal");
    assert_eq!(decision["triggers"][0]["kind"], "legal_threat");
    assert_eq!(decision["actions"][0]["action"]["action"], "warm_transfer");
    assert!(decision["actions"][0]["plan"]
        .as_str()
        .unwrap()
        .starts_with("DRY RUN"));
    // Replayed as one stream: the second copy is a duplicate.
    assert_eq!(lines[3]["outcomes"][0]["outcome"], "duplicate");
}

#[tokio::test]
async fn replay_names_the_file_that_does_not_parse() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("genesys");
    std::fs::create_dir(&bad).unwrap();
    let file = bad.join("broken.json");
    std::fs::write(&file, b"{\"topicName\": \"customer.start\"}").unwrap();
    let err = escalator::replay::replay(&Config::default(), None, std::slice::from_ref(&file))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("broken.json"), "{err}");
    assert!(err.contains("conversationId"), "{err}");
}

#[tokio::test]
async fn replay_takes_every_platforms_files_by_extension() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let files = [
        root.join("five9/dispositioned-legal.form"),
        root.join("nextiva/queued-get.query"),
        root.join("cloudtalk/call-modified-legal-tag.json"),
        root.join("talkdesk/disposition-escalated-legal.json"),
    ];
    let lines = escalator::replay::replay(&Config::default(), None, &files)
        .await
        .expect("replay runs");
    assert_eq!(lines[0]["decisions"][0]["team"], "legal");
    assert_eq!(lines[1]["events"][0]["type"], "queued");
    assert_eq!(lines[2]["decisions"][0]["team"], "legal");
    assert_eq!(lines[3]["decisions"][0]["team"], "legal");
}
