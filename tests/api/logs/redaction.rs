//! `[logging] redact_personal_data`: no caller number or person's name in any log line of
//! a full run, masked forms in their place.

use super::Running;

#[tokio::test]
async fn with_redaction_on_no_number_or_name_is_logged() {
    let run = Running::start("[logging]\nredact_personal_data = true\n", &[]).await;
    run.drive().await;
    let lines = run.stop();
    assert!(lines.len() > 50, "only {} log lines", lines.len());
    let log = lines.join("\n");
    // The numbers and names the run's deliveries and configuration carry, in the forms a
    // log line could hold them.
    let personal = [
        "+13175551234",
        "3175551234",
        "4155550123",
        "+14155550123",
        "421900123456",
        "+18005550100",
        "8005550100",
        "Jordan Avery",
        "Dana Reyes",
        "Owner of legal",
        "Supervisor of legal",
        "Owner of compliance",
    ];
    let found: Vec<String> = personal
        .iter()
        .flat_map(|p| {
            lines
                .iter()
                .filter(move |l| l.contains(p))
                .map(move |l| format!("{p} in: {l}"))
        })
        .collect();
    assert!(found.is_empty(), "{}", found.join("\n"));
    // Masked, not dropped: operators still see that a number or a person was there.
    assert!(log.contains("+1******0100"), "no masked number in:\n{log}");
    assert!(
        log.contains("\"owner\":\"[name]\""),
        "no masked owner in:\n{log}"
    );
    assert!(log.contains("personal data is redacted from the logs"));
}
