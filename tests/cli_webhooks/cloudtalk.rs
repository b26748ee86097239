//! CloudTalk: no registration API (§7): the template is printed, nothing is sent.

use wiremock::MockServer;

use crate::support::{config, requests, webhooks};

#[tokio::test]
async fn register_prints_the_template_without_the_secret_and_exits_0() {
    let server = MockServer::start().await;
    let cfg = config(&server, "");
    let run = webhooks(
        "register",
        "cloudtalk",
        &cfg,
        &["--url", "https://esc.example.com"],
    )
    .await
    .expect(0);
    assert!(
        run.stdout.contains("CloudTalk has no API"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("https://esc.example.com/webhooks/cloudtalk"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("$ESCALATOR_CLOUDTALK_WEBHOOK_SECRET"),
        "{}",
        run.stdout
    );
    let run = webhooks("list", "cloudtalk", &cfg, &[]).await.expect(0);
    assert!(run.stdout.contains("no API"), "{}", run.stdout);
    webhooks("remove", "cloudtalk", &cfg, &[]).await.expect(0);
    assert_eq!(requests(&server).await, 0);
}
