use super::*;
use jiff::civil::{date, time};

fn parse(toml_text: &str) -> Result<CallbacksConfig, toml::de::Error> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Root {
        callbacks: CallbacksConfig,
    }
    toml::from_str::<Root>(toml_text).map(|r| r.callbacks)
}

#[test]
fn an_empty_table_gives_the_documented_defaults() {
    let cfg = parse("[callbacks]\n").expect("empty table");
    assert_eq!(cfg, CallbacksConfig::default());
    cfg.validate().expect("defaults are valid");
    let minutes = |t| cfg.policy(t).expect("policy").business_minutes;
    assert_eq!(
        [Tier::Supervisor, Tier::Specialist, Tier::Callback].map(minutes),
        [120, 240, 1440]
    );
    assert_eq!(cfg.policy(Tier::Agent), Err(ConfigError::NoPolicy("agent")));
}

#[test]
fn a_full_table_parses_and_overrides_only_what_it_names() {
    let cfg = parse(
        r#"
[callbacks]
default_region = "GB"
min_window_minutes = 10
[callbacks.policies]
supervisor = 60
[callbacks.calling_hours.US-TX]
open = "09:00"
close = "21:00"
[callbacks.teams.billing]
zone = "America/Chicago"
holidays = ["2026-11-26", "2026-12-25"]
[callbacks.teams.billing.business_hours]
mon = { open = "08:00", close = "18:00" }
sat = { open = "10:00", close = "14:00" }
[callbacks.teams.support]
zone = "Europe/London"
"#,
    )
    .expect("parses");
    cfg.validate().expect("valid");
    assert_eq!(cfg.policies.supervisor, 60);
    assert_eq!(cfg.policies.specialist, 240, "unnamed tiers keep defaults");
    let table = cfg.calling_hours_table().expect("table");
    assert_eq!(
        table
            .for_region("US-TX")
            .expect("tx")
            .weekdays
            .expect("open")
            .open,
        time(9, 0, 0, 0)
    );
    assert_eq!(
        table
            .for_region("US-FL")
            .expect("fl")
            .weekdays
            .expect("open")
            .close,
        time(20, 0, 0, 0)
    );

    let billing = cfg.team_calendar("billing").expect("billing");
    let hours = |d| billing.hours_on(d).map(|h| (h.open, h.close));
    assert_eq!(
        hours(date(2026, 3, 9)),
        Some((time(8, 0, 0, 0), time(18, 0, 0, 0)))
    );
    assert_eq!(hours(date(2026, 3, 10)), None, "Tuesday not listed: closed");
    assert_eq!(
        hours(date(2026, 3, 14)),
        Some((time(10, 0, 0, 0), time(14, 0, 0, 0)))
    );
    assert_eq!(hours(date(2026, 12, 25)), None, "holiday");
    // A team without business_hours keeps office hours.
    let support = cfg.team_calendar("support").expect("support");
    assert_eq!(
        support.hours_on(date(2026, 3, 10)).map(|h| h.close),
        Some(time(17, 0, 0, 0))
    );
    assert_eq!(support.hours_on(date(2026, 3, 15)), None, "Sunday");
}

#[test]
fn holidays_may_be_toml_dates_or_strings() {
    let cfg =
        parse("[callbacks.teams.a]\nzone = \"UTC\"\nholidays = [2026-12-25, \"2026-12-26\"]\n")
            .expect("parses");
    assert_eq!(
        cfg.teams["a"].holidays,
        [date(2026, 12, 25), date(2026, 12, 26)]
    );
    for bad in ["[\"25/12/2026\"]", "[2026-12-25T10:00:00]"] {
        let text = format!("[callbacks.teams.a]\nzone = \"UTC\"\nholidays = {bad}\n");
        let err = parse(&text).expect_err(bad).to_string();
        assert!(
            err.contains("is not a date: write YYYY-MM-DD"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn unknown_keys_are_rejected() {
    for text in [
        "[callbacks]\npolicy = 5\n",
        "[callbacks.policies]\nmanager = 5\n",
        "[callbacks.teams.a]\nzone = \"UTC\"\ntimezone = \"UTC\"\n",
        "[callbacks.teams.a]\nzone = \"UTC\"\n[callbacks.teams.a.business_hours]\nmonday = { open = \"09:00\", close = \"17:00\" }\n",
    ] {
        assert!(parse(text).is_err(), "{text}");
    }
}

#[test]
fn bad_values_are_errors_naming_the_key_and_the_fix() {
    let cases = [
        (
            "[callbacks.calling_hours.US-FL]\nopen = \"8am\"\nclose = \"20:00\"\n",
            "callbacks.calling_hours.US-FL.open: `8am` is not a time; write HH:MM",
        ),
        (
            "[callbacks.calling_hours.US]\nopen = \"21:00\"\nclose = \"08:00\"\n",
            "callbacks.calling_hours.US: close 08:00 must be after open 21:00",
        ),
        (
            "[callbacks.calling_hours.Florida]\nopen = \"08:00\"\nclose = \"20:00\"\n",
            "callbacks.calling_hours key `Florida` is not a region",
        ),
        (
            "[callbacks.policies]\ncallback = 0\n",
            "callbacks.policies.callback must be",
        ),
        (
            "[callbacks]\ndefault_region = \"USA\"\n",
            "callbacks.default_region `USA`",
        ),
        (
            "[callbacks.teams.a]\nzone = \"Central\"\n",
            "callbacks.teams.a.zone `Central` is not in the tz database",
        ),
        (
            "[callbacks.teams.a]\nzone = \"UTC\"\n[callbacks.teams.a.business_hours]\n",
            "callbacks.teams.a.business_hours: the team is closed every day",
        ),
    ];
    for (text, message) in cases {
        let err = parse(text).expect(text).validate().expect_err(text);
        assert!(err.to_string().starts_with(message), "{text}\n{err}");
    }
    let cfg = CallbacksConfig::default();
    assert!(cfg
        .team_calendar("nobody")
        .expect_err("no team")
        .to_string()
        .contains("[callbacks.teams.nobody]"));
}
