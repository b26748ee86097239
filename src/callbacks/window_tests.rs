use super::*;
use crate::callbacks::hours::OpenHours;
use crate::callbacks::number::CallbackNumber;
use crate::callbacks::zone::Address;
use jiff::civil::{date, Date, Time};
use jiff::Zoned;

const NY: &str = "America/New_York";
pub(super) const CHI: &str = "America/Chicago";

/// "2026-03-08T06:00[America/Chicago]" → instant.
pub(super) fn at(s: &str) -> Timestamp {
    s.parse::<Zoned>().expect(s).timestamp()
}

fn local(ts: Timestamp, zone: &str) -> String {
    let tz = TimeZone::get(zone).expect(zone);
    ts.to_zoned(tz).strftime("%Y-%m-%d %H:%M").to_string()
}

pub(super) fn hm(h: i8, m: i8) -> Time {
    Time::new(h, m, 0, 0).expect("valid time")
}

/// A team open `days` (0 = Monday) from `open` to `close` in `zone`.
pub(super) fn team(
    zone: &str,
    days: &[usize],
    open: Time,
    close: Time,
    holidays: &[Date],
) -> BusinessCalendar {
    let hours = OpenHours::new(open, close).expect("hours");
    let mut week = [None; 7];
    for &d in days {
        week[d] = Some(hours);
    }
    BusinessCalendar::new(zone, week, holidays.iter().copied()).expect("calendar")
}

pub(super) const EVERY_DAY: &[usize] = &[0, 1, 2, 3, 4, 5, 6];
const WEEKDAYS: &[usize] = &[0, 1, 2, 3, 4];

pub(super) fn callee(number: &str) -> CalleeZones {
    CalleeZones::from_number(&CallbackNumber::parse(number, "US").expect(number)).expect(number)
}

pub(super) fn policy(minutes: u32) -> Policy {
    Policy {
        business_minutes: minutes,
        min_window_minutes: 15,
    }
}

fn window(now: &str, minutes: u32, who: &CalleeZones, team: &BusinessCalendar) -> Window {
    commit_window(
        at(now),
        policy(minutes),
        who,
        &CallingHoursTable::default(),
        team,
    )
    .expect(now)
}

/// (start, end) of `w` read in `zone`.
fn span(w: &Window, zone: &str) -> (String, String) {
    (local(w.start, zone), local(w.end, zone))
}

fn pair(a: &str, b: &str) -> (String, String) {
    (a.to_string(), b.to_string())
}

#[test]
fn spring_forward_new_york_callee_chicago_team() {
    let chicago = team(CHI, EVERY_DAY, hm(8, 0), hm(20, 0), &[]);
    let ny = callee("+1 212 555 0142");
    // DST day morning: 08:00 CDT is 09:00 EDT.
    let w = window("2026-03-08T06:00[America/Chicago]", 120, &ny, &chicago);
    assert_eq!(span(&w, NY), pair("2026-03-08 09:00", "2026-03-08 11:00"));
    assert_eq!(local(w.deadline, CHI), "2026-03-08 10:00");
    // Counting across the change: one hour on Saturday (CST), one on Sunday (CDT).
    let w = window("2026-03-07T19:00[America/Chicago]", 120, &ny, &chicago);
    assert_eq!(span(&w, NY), pair("2026-03-07 20:00", "2026-03-07 21:00"));
    assert_eq!(local(w.deadline, CHI), "2026-03-08 09:00");
}

#[test]
fn business_minutes_count_real_time_on_23_and_25_hour_days() {
    let round_the_clock = team(CHI, EVERY_DAY, hm(0, 0), hm(23, 59), &[]);
    let chi = callee("+1 312 555 0142");
    // 2026-03-08 has 23 hours: 22 h 59 min of business, so 24 h ends at 01:01 next day.
    let w = window(
        "2026-03-08T00:00[America/Chicago]",
        1440,
        &chi,
        &round_the_clock,
    );
    assert_eq!(local(w.deadline, CHI), "2026-03-09 01:01");
    // 2026-11-01 has 25 hours: 24 h of business ends at 23:00 the same day.
    let w = window(
        "2026-11-01T00:00[America/Chicago]",
        1440,
        &chi,
        &round_the_clock,
    );
    assert_eq!(local(w.deadline, CHI), "2026-11-01 23:00");
    assert_eq!(span(&w, CHI), pair("2026-11-01 08:00", "2026-11-01 21:00"));
}

#[test]
fn fall_back_new_york_callee_chicago_team() {
    let chicago = team(CHI, EVERY_DAY, hm(8, 0), hm(20, 0), &[]);
    let ny = callee("+1 212 555 0142");
    let w = window("2026-11-01T06:00[America/Chicago]", 120, &ny, &chicago);
    // 08:00 CST is 09:00 EST: still one hour apart after both zones fall back.
    assert_eq!(span(&w, NY), pair("2026-11-01 09:00", "2026-11-01 11:00"));
    assert_eq!(w.end, w.deadline);
    // Saturday evening: business minutes resume Sunday 08:00 CST, after the extra hour.
    let w = window("2026-10-31T19:30[America/Chicago]", 120, &ny, &chicago);
    assert_eq!(span(&w, NY), pair("2026-10-31 20:30", "2026-10-31 21:00"));
    assert_eq!(local(w.deadline, CHI), "2026-11-01 09:30");
}

#[test]
fn a_uk_callee_while_only_the_us_has_changed_clocks() {
    // From 8 to 29 March 2026 New York is 4 hours behind London, not 5.
    let ny_team = team(NY, EVERY_DAY, hm(8, 0), hm(20, 0), &[]);
    let uk = callee("+44 20 7183 8750");
    let w = window("2026-03-10T08:00[America/New_York]", 600, &uk, &ny_team);
    assert_eq!(
        span(&w, "Europe/London"),
        pair("2026-03-10 12:00", "2026-03-10 21:00")
    );
    assert_eq!(local(w.end, NY), "2026-03-10 17:00");
    assert_eq!(
        w.display_in("Europe/London").expect("zone"),
        "between 12:00 and 21:00 your time on Tuesday 10 March"
    );
}

#[test]
fn a_uk_callee_with_a_uk_team() {
    let london = team("Europe/London", WEEKDAYS, hm(9, 0), hm(17, 0), &[]);
    let uk = callee("+44 20 7183 8750");
    let w = window("2026-03-27T15:00[Europe/London]", 120, &uk, &london);
    assert_eq!(
        w.display_in("Europe/London").expect("zone"),
        "between 15:00 and 17:00 your time on Friday 27 March"
    );
    // Late on Friday: the deadline is Monday, after the UK change to BST.
    let w = window("2026-03-27T16:30[Europe/London]", 120, &uk, &london);
    assert_eq!(local(w.deadline, "Europe/London"), "2026-03-30 10:30");
    assert_eq!(
        span(&w, "Europe/London"),
        pair("2026-03-27 16:30", "2026-03-27 17:00")
    );
}

#[test]
fn a_florida_callee_ends_at_20_not_21() {
    let late_team = team(NY, EVERY_DAY, hm(8, 0), hm(22, 0), &[]);
    let now = "2026-06-10T19:30[America/New_York]";
    let new_york = window(now, 120, &callee("+1 212 555 0142"), &late_team);
    assert_eq!(span(&new_york, NY).1, "2026-06-10 21:00");
    let miami = window(now, 120, &callee("+1 305 555 0142"), &late_team);
    assert_eq!(
        span(&miami, NY),
        pair("2026-06-10 19:30", "2026-06-10 20:00")
    );
}

#[test]
fn an_ambiguous_zone_must_hold_in_every_candidate() {
    let chicago = team(CHI, WEEKDAYS, hm(8, 0), hm(20, 0), &[]);
    let now = "2026-06-10T07:00[America/Chicago]";
    // Dallas is Central only; El Paso's code may be Central or Mountain. Texas calls start
    // at 09:00 (Tex. Bus. & Com. Code 301.051).
    let dallas = window(now, 240, &callee("+1 214 555 0142"), &chicago);
    assert_eq!(
        span(&dallas, CHI),
        pair("2026-06-10 09:00", "2026-06-10 12:00")
    );
    let el_paso = callee("+1 915 555 0142");
    assert!(el_paso.is_ambiguous());
    let w = window(now, 240, &el_paso, &chicago);
    assert_eq!(span(&w, CHI), pair("2026-06-10 10:00", "2026-06-10 12:00"));
    assert_eq!(
        w.display_in("America/Denver").expect("zone"),
        "between 09:00 and 11:00 your time on Wednesday 10 June"
    );
    assert_eq!(w.zones, ["America/Chicago", "America/Denver"]);

    // Florida panhandle: Eastern and Central, under Florida's 20:00 close.
    let ny_team = team(NY, EVERY_DAY, hm(7, 0), hm(22, 0), &[]);
    let panhandle = callee("+1 850 555 0142");
    let morning = window(
        "2026-06-10T07:00[America/New_York]",
        180,
        &panhandle,
        &ny_team,
    );
    assert_eq!(
        span(&morning, NY),
        pair("2026-06-10 09:00", "2026-06-10 10:00")
    );
    let evening = window(
        "2026-06-10T19:00[America/New_York]",
        120,
        &panhandle,
        &ny_team,
    );
    assert_eq!(
        span(&evening, NY),
        pair("2026-06-10 19:00", "2026-06-10 20:00")
    );
}

#[test]
fn the_address_and_the_number_both_count() {
    let ny_team = team(NY, WEEKDAYS, hm(8, 0), hm(20, 0), &[]);
    let number = CallbackNumber::parse("+1 212 555 0142", "US").expect("number");
    let now = "2026-06-10T09:00[America/New_York]";
    let by_number = CalleeZones::resolve(None, &number).expect("zones");
    assert_eq!(
        span(&window(now, 240, &by_number, &ny_team), NY).0,
        "2026-06-10 09:00"
    );
    let california = Address {
        country: "US".into(),
        subdivision: Some("CA".into()),
    };
    let by_address = CalleeZones::resolve(Some(&california), &number).expect("zones");
    let w = window(now, 240, &by_address, &ny_team);
    // 08:00 in Los Angeles is 11:00 in New York.
    assert_eq!(span(&w, NY), pair("2026-06-10 11:00", "2026-06-10 13:00"));
}

#[test]
fn a_window_that_cannot_be_met_is_an_error_not_a_later_window() {
    let late_team = team(NY, EVERY_DAY, hm(8, 0), hm(22, 0), &[]);
    let ny = callee("+1 212 555 0142");
    let now = at("2026-06-10T20:50[America/New_York]");
    let table = CallingHoursTable::default();
    // 30 business minutes at 20:50: only 10 minutes remain before 21:00.
    let err = commit_window(now, policy(30), &ny, &table, &late_team).expect_err("unmet");
    let WindowError::CannotBeMet {
        earliest_possible,
        deadline,
        ..
    } = &err
    else {
        panic!("expected CannotBeMet, got {err:?}");
    };
    assert_eq!(local(*deadline, NY), "2026-06-10 21:20");
    assert_eq!(local(*earliest_possible, NY), "2026-06-11 08:00");
    let message = err.to_string();
    assert!(
        message.starts_with("this callback cannot be met"),
        "{message}"
    );
    assert!(message.contains("Wed 10 Jun 2026 21:20 EDT"), "{message}");
    assert!(message.contains("Thu 11 Jun 2026 08:00 EDT"), "{message}");
    // The same ten minutes are a window when the team accepts windows that short.
    let short_ok = Policy {
        business_minutes: 30,
        min_window_minutes: 5,
    };
    let w = commit_window(now, short_ok, &ny, &table, &late_team).expect("short window");
    assert_eq!(span(&w, NY), pair("2026-06-10 20:50", "2026-06-10 21:00"));
    // A Florida callee is already past 20:00.
    let fl = commit_window(
        now,
        short_ok,
        &callee("+1 305 555 0142"),
        &table,
        &late_team,
    );
    assert!(matches!(fl, Err(WindowError::CannotBeMet { .. })), "{fl:?}");
}

#[test]
fn after_closing_the_window_moves_to_the_next_open_day_skipping_holidays() {
    let chi = callee("+1 312 555 0142");
    let office = team(CHI, WEEKDAYS, hm(9, 0), hm(17, 0), &[]);
    // Friday after closing: two business hours from Monday's opening.
    let w = window("2026-03-13T17:30[America/Chicago]", 120, &chi, &office);
    assert_eq!(span(&w, CHI), pair("2026-03-16 09:00", "2026-03-16 11:00"));
    // Monday a holiday: Tuesday.
    let closed_monday = team(CHI, WEEKDAYS, hm(9, 0), hm(17, 0), &[date(2026, 3, 16)]);
    let w = window(
        "2026-03-13T17:30[America/Chicago]",
        120,
        &chi,
        &closed_monday,
    );
    assert_eq!(span(&w, CHI), pair("2026-03-17 09:00", "2026-03-17 11:00"));
    // Half an hour before closing: the window is what is left of today.
    let w = window("2026-03-13T16:30[America/Chicago]", 120, &chi, &office);
    assert_eq!(span(&w, CHI), pair("2026-03-13 16:30", "2026-03-13 17:00"));
    assert_eq!(local(w.deadline, CHI), "2026-03-16 10:30");
}

#[test]
fn impossible_configurations_are_errors_that_say_what_to_fix() {
    let ny = callee("+1 212 555 0142");
    let table = CallingHoursTable::default();
    let now = at("2026-06-10T12:00[America/New_York]");
    let office = team(NY, WEEKDAYS, hm(9, 0), hm(17, 0), &[]);
    assert_eq!(
        commit_window(now, policy(0), &ny, &table, &office),
        Err(WindowError::ZeroPolicy)
    );
    let never = BusinessCalendar::new(NY, [None; 7], []).expect("calendar");
    let err = commit_window(now, policy(60), &ny, &table, &never).expect_err("never open");
    assert!(
        matches!(err, WindowError::NoBusinessHours { .. }),
        "{err:?}"
    );
    let night_shift = team(NY, EVERY_DAY, hm(0, 0), hm(6, 0), &[]);
    let err = commit_window(now, policy(60), &ny, &table, &night_shift).expect_err("no overlap");
    assert!(matches!(err, WindowError::NoCallableTime { .. }), "{err:?}");
    // France has no rule in the table: the conservative default, 10:00–18:00 on weekdays.
    // 12:00 in New York is 18:00 in Paris; tomorrow 10:00 Paris is before the team opens.
    let paris = CalleeZones::stated("Europe/Paris", "FR").expect("zone");
    let err = commit_window(now, policy(60), &paris, &table, &office).expect_err("closed");
    let WindowError::CannotBeMet {
        earliest_possible, ..
    } = err
    else {
        panic!("expected CannotBeMet, got {err:?}");
    };
    assert_eq!(local(earliest_possible, "Europe/Paris"), "2026-06-11 15:00");
}
