//! `escalator callbacks|escalations|reviews …`: the built binary against a local store
//! prepared by a test service (stopped first), one test per command, and one against a
//! running service with `--server`.

#[allow(dead_code)]
#[path = "api/helpers.rs"]
mod helpers;

use std::path::PathBuf;
use std::process::Command;

use escalator::config::ENV_ADMIN_TOKEN;
use escalator_adapters::Vendor;
use helpers::*;
use serde_json::Value;
use tempfile::TempDir;

const TOKEN: &str = "cli-admin-token";
/// What the caller says the call is about before the trigger: the callback's issue.
const ISSUE: &str = "I'm calling about my internet bill, it doubled this month.";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }
}

async fn app() -> TestApp {
    spawn_app_with(Options {
        api_secrets: vec![(ENV_ADMIN_TOKEN, TOKEN.into())],
        configure: Some(Box::new(|c| c.review.sample_percent = 100)),
        ..Default::default()
    })
    .await
}

/// A named callback on a fresh call; returns (reference, escalation id).
async fn committed(app: &TestApp, call: &str) -> (String, String) {
    let said = app
        .post_caller_said(Vendor::Standard, call, &format!("u0-{call}"), ISSUE)
        .await;
    assert_eq!(said.status(), 200);
    let said = app
        .post_caller_said(
            Vendor::Standard,
            call,
            &format!("u-{call}"),
            "I'm calling my lawyer about this",
        )
        .await;
    assert_eq!(said.status(), 200);
    app.wait_for_actions_on(Vendor::Standard, call, |rows| {
        rows.iter()
            .any(|a| a.kind == "named_callback" && a.status == "succeeded")
    })
    .await;
    let cb = app
        .store
        .callbacks(10)
        .await
        .expect("callbacks")
        .into_iter()
        .find(|c| c.call_id == call)
        .expect("callback recorded");
    (cb.reference, cb.escalation_id)
}

/// A stopped service's store with one named callback, and a config file pointing at it.
struct Local {
    _dir: TempDir,
    config: PathBuf,
    reference: String,
    escalation: String,
}

async fn local() -> Local {
    let app = app().await;
    let (reference, escalation) = committed(&app, "call-cli").await;
    let (dir, _) = app.stop().await;
    // The database the service used: SQLite, or PostgreSQL with ESCALATOR_TEST_STORE=postgres.
    let url = helpers::store_backend::store_url(dir.path());
    let config = dir.path().join("escalator.toml");
    std::fs::write(&config, format!("[store]\nurl = \"{url}\"\n")).expect("config written");
    Local {
        _dir: dir,
        config,
        reference,
        escalation,
    }
}

/// Runs the binary with a clean environment (`USER=tester` unless `env` says otherwise).
async fn escalator(args: &[&str], env: &[(&str, &str)]) -> Run {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_escalator"));
        command.env_clear().args(&args);
        if !env.iter().any(|(k, _)| k == "USER") {
            command.env("USER", "tester");
        }
        for (k, v) in &env {
            command.env(k, v);
        }
        let out = command.output().expect("binary runs");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    })
    .await
    .expect("runner")
}

impl Local {
    async fn run(&self, args: &[&str]) -> Run {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--config", self.config.to_str().expect("utf-8 path")]);
        escalator(&all, &[]).await
    }
}

#[tokio::test]
async fn callbacks_list_filters_and_names_a_bad_flag() {
    let l = local().await;
    let run = l.run(&["callbacks", "list", "--status", "pending"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains(&l.reference), "{}", run.stdout);
    assert!(run.stdout.contains("1 callback(s)"), "{}", run.stdout);
    let run = l
        .run(&["callbacks", "list", "--team", "legal", "--json"])
        .await;
    assert_eq!(
        run.json()["callbacks"][0]["reference"],
        l.reference.as_str()
    );
    let run = l.run(&["callbacks", "list", "--overdue"]).await;
    assert_eq!(run.stdout, "No callbacks match.\n");
    let run = l.run(&["callbacks", "list", "--status", "late"]).await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--status"), "{}", run.stderr);
    let run = l
        .run(&["callbacks", "list", "--due-before", "tomorrow"])
        .await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--due-before"), "{}", run.stderr);
}

#[tokio::test]
async fn callbacks_show_prints_the_history_and_an_unknown_reference_exits_1() {
    let l = local().await;
    let run = l
        .run(&["callbacks", "show", &l.reference.to_lowercase()])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run
        .stdout
        .contains(&format!("Callback {} (pending)", l.reference)));
    assert!(run.stdout.contains("History:") && run.stdout.contains("created"));
    assert!(
        run.stdout.contains(&format!("  Issue       {ISSUE}")),
        "{}",
        run.stdout
    );
    let run = l.run(&["callbacks", "show", "ESC-0000-0000"]).await;
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("no callback"), "{}", run.stderr);
}

#[tokio::test]
async fn callbacks_attempt_records_who_and_needs_an_actor() {
    let l = local().await;
    let config = l.config.to_str().unwrap();
    let args = [
        "callbacks",
        "attempt",
        &l.reference,
        "--outcome",
        "no_answer",
    ];
    let mut without_actor = args.to_vec();
    without_actor.extend(["--config", config]);
    let run = escalator(&without_actor, &[("USER", "")]).await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--actor"), "{}", run.stderr);

    let mut with_notes = args.to_vec();
    with_notes.extend(["--notes", "rang out", "--actor", "dana", "--json"]);
    let run = l.run(&with_notes).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let answer = run.json();
    assert_eq!(answer["callback"]["status"], "attempted");
    assert_eq!(answer["history"][1]["actor"], "dana");
}

#[tokio::test]
async fn callbacks_complete_closes_it() {
    let l = local().await;
    let run = l
        .run(&["callbacks", "complete", &l.reference, "--notes", "reached"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("(completed)"), "{}", run.stdout);
    assert!(run.stdout.contains("tester"), "the actor defaults to $USER");
}

#[tokio::test]
async fn callbacks_cancel_closes_it_and_a_second_change_is_refused() {
    let l = local().await;
    let run = l
        .run(&["callbacks", "cancel", &l.reference, "--reason", "duplicate"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("(cancelled)"), "{}", run.stdout);
    let run = l
        .run(&["callbacks", "cancel", &l.reference, "--reason", "again"])
        .await;
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("cancelled"), "{}", run.stderr);
    let run = l.run(&["callbacks", "cancel", &l.reference]).await;
    assert_eq!(run.code, 2, "clap requires --reason");
}

#[tokio::test]
async fn callbacks_reschedule_moves_the_window_and_names_a_bad_time() {
    let l = local().await;
    let base = ["callbacks", "reschedule", &l.reference, "--reason", "lunch"];
    let mut bad = base.to_vec();
    bad.extend(["--start", "soon", "--end", "2030-01-01T10:00:00Z"]);
    let run = l.run(&bad).await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--start"), "{}", run.stderr);
    // Tomorrow at the caller's (Indianapolis) end; reschedules reach 90 days ahead at most.
    let tomorrow = jiff::Zoned::now()
        .with_time_zone(jiff::tz::TimeZone::get("America/Indiana/Indianapolis").unwrap())
        .date()
        .tomorrow()
        .unwrap();
    let at = |h: i8| {
        tomorrow
            .at(h, 0, 0, 0)
            .in_tz("America/Indiana/Indianapolis")
            .unwrap()
            .timestamp()
            .to_string()
    };
    let (four, five, ten, eleven) = (at(4), at(5), at(10), at(11));
    // 04:00 there: outside calling hours, refused.
    let mut night = base.to_vec();
    night.extend(["--start", &four, "--end", &five]);
    let run = l.run(&night).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--start"), "{}", run.stderr);
    assert!(run.stderr.contains("calling hours"), "{}", run.stderr);
    // 10:00–11:00 there.
    let mut good = base.to_vec();
    good.extend(["--start", &ten, "--end", &eleven]);
    let run = l.run(&good).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("(rescheduled)"), "{}", run.stdout);
    assert!(run.stdout.contains(&eleven), "{}", run.stdout);
    // Years ahead: past the horizon, named.
    let mut far = base.to_vec();
    far.extend([
        "--start",
        "2030-01-02T15:00:00Z",
        "--end",
        "2030-01-02T16:00:00Z",
    ]);
    let run = l.run(&far).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("horizon"), "{}", run.stderr);
}

#[tokio::test]
async fn callbacks_reassign_changes_the_owner() {
    let l = local().await;
    let run = l
        .run(&[
            "callbacks",
            "reassign",
            &l.reference,
            "--owner",
            "Sam Ortiz",
            "--reason",
            "off sick",
            "--actor",
            "lead",
        ])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("Sam Ortiz"), "{}", run.stdout);
    assert!(run.stdout.contains("lead") && run.stdout.contains("off sick"));
}

#[tokio::test]
async fn escalations_list_filters_and_names_a_bad_vendor() {
    let l = local().await;
    let run = l
        .run(&["escalations", "list", "--vendor", "standard"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains(&l.escalation), "{}", run.stdout);
    let run = l.run(&["escalations", "list", "--team", "fraud"]).await;
    assert_eq!(run.stdout, "No escalations match.\n");
    let run = l.run(&["escalations", "list", "--vendor", "acme"]).await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--vendor"), "{}", run.stderr);
}

#[tokio::test]
async fn escalations_show_prints_the_evidence_and_the_callback() {
    let l = local().await;
    let run = l.run(&["escalations", "show", &l.escalation]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("\"I'm calling my lawyer about this\""));
    assert!(
        run.stdout.contains("named_callback succeeded"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(&format!("Callback: {}", l.reference)));
    let run = l.run(&["escalations", "show", "no-such-id"]).await;
    assert_eq!(run.code, 1);
}

#[tokio::test]
async fn reviews_next_and_record_empty_the_queue() {
    let l = local().await;
    let run = l.run(&["reviews", "next"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains(&l.escalation), "{}", run.stdout);
    let record = ["reviews", "record", &l.escalation, "--actor", "qa.lead"];
    let mut bad = record.to_vec();
    bad.extend(["--outcome", "fine"]);
    let run = l.run(&bad).await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--outcome"), "{}", run.stderr);
    let mut good = record.to_vec();
    good.extend(["--outcome", "compliant", "--notes", "by the book"]);
    let run = l.run(&good).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("Recorded compliant by qa.lead"),
        "{}",
        run.stdout
    );
    let run = l.run(&["reviews", "next"]).await;
    assert_eq!(run.stdout, "Nothing awaits review.\n");
}

#[tokio::test]
async fn commands_work_against_a_running_service_with_its_token() {
    let app = app().await;
    let (reference, _) = committed(&app, "call-server").await;
    let server = app.address.clone();
    let list = ["callbacks", "list", "--server", &server, "--json"];
    let run = escalator(&list, &[(ENV_ADMIN_TOKEN, TOKEN)]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["callbacks"][0]["reference"], reference.as_str());

    let run = escalator(&list, &[]).await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains(ENV_ADMIN_TOKEN), "{}", run.stderr);
    let run = escalator(&list, &[(ENV_ADMIN_TOKEN, "wrong")]).await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains(ENV_ADMIN_TOKEN), "{}", run.stderr);

    let complete = ["callbacks", "complete", &reference, "--server", &server];
    let run = escalator(&complete, &[(ENV_ADMIN_TOKEN, TOKEN)]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("(completed)"), "{}", run.stdout);
    let cb = app.store.callback(&reference).await.unwrap().unwrap();
    assert_eq!(cb.status, "completed");
    let run = escalator(&complete, &[(ENV_ADMIN_TOKEN, TOKEN)]).await;
    assert_eq!(run.code, 1, "a closed callback is refused");
}
