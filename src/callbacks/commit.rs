//! The window of a callback Escalator commits to itself: from the escalation's tier policy,
//! the caller's address or number (their zone) and the team's business calendar.

use jiff::Timestamp;

use super::{
    commit_window, Address, CallbackNumber, CallbacksConfig, CalleeZones, OpenHours, Window,
    WindowError,
};
use crate::playbook::Tier;

/// When a platform may be asked to place a callback committed now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlatformCallbackTime {
    /// Calling hours are open where the callee may be: at once.
    Now,
    /// Not before this instant: the window's start, or the first lawful time when the
    /// policy's deadline cannot be met (late beats unlawful).
    At(Timestamp),
    /// No lawful time can be known (the callee's place is unknown, or their number is):
    /// the platform is not asked to dial; the callback goes to a supervisor with this why.
    Unplaceable(String),
}

/// When the callback asked of a platform should be placed (see [`PlatformCallbackTime`]).
/// A tier that makes no commitment of its own is held to the callback tier's policy: the
/// law where the callee is applies all the same.
pub fn platform_callback_time(
    config: &CallbacksConfig,
    now: Timestamp,
    tier: &str,
    team: &str,
    number: Option<&str>,
    address: Option<&Address>,
) -> PlatformCallbackTime {
    let tier = match tier_named(tier) {
        Some(_) => tier,
        None => Tier::Callback.as_str(),
    };
    match window(config, now, tier, team, number, address) {
        Ok(w) if w.start > now + jiff::SignedDuration::from_mins(1) => {
            PlatformCallbackTime::At(w.start)
        }
        Ok(_) => PlatformCallbackTime::Now,
        Err(Refused::Window(WindowError::CannotBeMet {
            earliest_possible, ..
        })) => PlatformCallbackTime::At(earliest_possible),
        Err(Refused::Window(e)) => PlatformCallbackTime::Unplaceable(e.to_string()),
        Err(Refused::Other(why)) => PlatformCallbackTime::Unplaceable(why),
    }
}

fn tier_named(tier: &str) -> Option<Tier> {
    [Tier::Supervisor, Tier::Specialist, Tier::Callback]
        .into_iter()
        .find(|t| t.as_str() == tier)
}

enum Refused {
    Window(WindowError),
    Other(String),
}

/// The window for a callback on `number` owed by `team` at `tier`, or a sentence a person
/// can act on when none can be promised (never a silently moved window).
pub fn window_for(
    config: &CallbacksConfig,
    now: Timestamp,
    tier: &str,
    team: &str,
    number: Option<&str>,
    address: Option<&Address>,
) -> Result<Window, String> {
    window(config, now, tier, team, number, address).map_err(|e| match e {
        Refused::Window(w) => w.to_string(),
        Refused::Other(why) => why,
    })
}

fn window(
    config: &CallbacksConfig,
    now: Timestamp,
    tier: &str,
    team: &str,
    number: Option<&str>,
    address: Option<&Address>,
) -> Result<Window, Refused> {
    let other = |e: &dyn std::fmt::Display| Refused::Other(e.to_string());
    let tier = tier_named(tier)
        .ok_or_else(|| Refused::Other(format!("tier {tier:?} makes no callback commitment")))?;
    let policy = config.policy(tier).map_err(|e| other(&e))?;
    let number = number.ok_or_else(|| {
        Refused::Other("no callback number is known: take it from the call record".into())
    })?;
    let number = CallbackNumber::parse(number, &config.default_region).map_err(|e| other(&e))?;
    let callee = CalleeZones::resolve(address, &number).map_err(|e| other(&e))?;
    let calling = config.calling_hours_table().map_err(|e| other(&e))?;
    let calendar = match config.teams.contains_key(team) {
        true => config.team_calendar(team).map_err(|e| other(&e))?,
        // A team without a calendar takes callbacks at any hour the callee may be called.
        false => always_open().map_err(|e| other(&e))?,
    };
    commit_window(now, policy, &callee, &calling, &calendar).map_err(Refused::Window)
}

/// Checks when a window a person commits (a reschedule) is, before where: not past, at
/// least the shortest window worth promising, within the horizon, and on a day and in hours
/// the owning team is open (when it has a calendar). The error names what is wrong.
pub fn check_reschedule(
    config: &CallbacksConfig,
    team: &str,
    now: Timestamp,
    start: Timestamp,
    end: Timestamp,
) -> Result<(), String> {
    if end <= now {
        return Err(format!(
            "the window ending {end} is in the past: choose a window that ends after now"
        ));
    }
    let min = jiff::SignedDuration::from_mins(i64::from(config.min_window_minutes));
    if end.duration_since(start) < min {
        return Err(format!(
            "the window is shorter than the minimum of {} minutes (callbacks.min_window_minutes): \
             make it longer",
            config.min_window_minutes
        ));
    }
    let horizon = jiff::SignedDuration::from_hours(24 * i64::from(config.reschedule_horizon_days));
    if start.duration_since(now) > horizon {
        return Err(format!(
            "{start} is past the horizon of {} days (callbacks.reschedule_horizon_days): choose \
             a nearer date",
            config.reschedule_horizon_days
        ));
    }
    if !config.teams.contains_key(team) {
        return Ok(());
    }
    let calendar = config.team_calendar(team).map_err(|e| e.to_string())?;
    let (s, e) = (
        start.to_zoned(calendar.zone().clone()),
        end.to_zoned(calendar.zone().clone()),
    );
    let Some(hours) = calendar.hours_on(s.date()) else {
        return Err(format!(
            "{} is a day team {team} is closed (a holiday or a day without business hours in \
             callbacks.teams.{team}): choose another day",
            s.strftime("%A %Y-%m-%d")
        ));
    };
    if !(s.date() == e.date() && s.time() >= hours.open && e.time() <= hours.close) {
        return Err(format!(
            "{} to {} is outside team {team}'s business hours that day ({} to {}, {})",
            s.strftime("%H:%M"),
            e.strftime("%H:%M"),
            hours.open.strftime("%H:%M"),
            hours.close.strftime("%H:%M"),
            calendar.zone_name()
        ));
    }
    Ok(())
}

/// Checks a window a person commits (a reschedule): it must lie inside the callee's calling
/// hours on one day in every zone they may be in — the zones and region recorded on the
/// commitment when it has them (they came from the address where one was known), else the
/// number's. The error says what to change.
pub fn check_window(
    config: &CallbacksConfig,
    number: &str,
    recorded: Option<(&str, &str)>,
    start: Timestamp,
    end: Timestamp,
) -> Result<(), String> {
    let callee = match recorded {
        Some((zones, region)) if !zones.trim().is_empty() && !region.trim().is_empty() => {
            CalleeZones::recorded(zones.split_whitespace(), region)
        }
        _ => {
            let number =
                CallbackNumber::parse(number, &config.default_region).map_err(|e| e.to_string())?;
            CalleeZones::resolve(None, &number).map_err(|e| e.to_string())?
        }
    };
    let rules = config
        .calling_hours_table()
        .map_err(|e| e.to_string())?
        .for_regions(callee.regions.iter().map(String::as_str))
        .map_err(|e| e.to_string())?;
    for (zone, tz) in callee
        .zones
        .iter()
        .zip(callee.time_zones().map_err(|e| e.to_string())?)
    {
        let (s, e) = (start.to_zoned(tz.clone()), end.to_zoned(tz));
        let Some(hours) = rules.on(s.date()) else {
            return Err(format!(
                "{} in {zone} is a day the callee may not be called (a Sunday, weekend or \
                 public holiday under the rules of {}): choose another day",
                s.strftime("%A %Y-%m-%d"),
                callee.region_label(),
            ));
        };
        let inside = s.date() == e.date() && s.time() >= hours.open && e.time() <= hours.close;
        if !inside {
            return Err(format!(
                "{} to {} in {zone} is outside the callee's calling hours ({} to {} local): \
                 choose a window inside them",
                s.strftime("%Y-%m-%d %H:%M"),
                e.strftime("%H:%M"),
                hours.open.strftime("%H:%M"),
                hours.close.strftime("%H:%M"),
            ));
        }
    }
    Ok(())
}

fn always_open() -> Result<super::BusinessCalendar, super::HoursError> {
    super::BusinessCalendar::new("UTC", [Some(OpenHours::all_day()); 7], [])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_supervisor_callback_to_a_new_york_number_gets_a_window_inside_calling_hours() {
        let config = CallbacksConfig::default();
        // 2026-11-25 15:00 New York.
        let now: Timestamp = "2026-11-25T20:00:00Z".parse().unwrap();
        let w = window_for(
            &config,
            now,
            "supervisor",
            "supervisor",
            Some("+12125551234"),
            None,
        )
        .expect("a window");
        assert_eq!(w.start, now);
        assert!(w.end <= w.deadline);
        assert_eq!(w.zones, vec!["America/New_York".to_string()]);
    }

    #[test]
    fn a_platform_callback_is_asked_for_at_a_lawful_time() {
        let config = CallbacksConfig::default();
        let number = Some("+12125551234");
        // 15:00 New York: call now.
        let day: Timestamp = "2026-11-25T20:00:00Z".parse().unwrap();
        assert_eq!(
            platform_callback_time(&config, day, "supervisor", "supervisor", number, None),
            PlatformCallbackTime::Now
        );
        // 23:30 New York: not now, and not before 08:00 even though that is late.
        let night: Timestamp = "2026-11-26T04:30:00Z".parse().unwrap();
        assert_eq!(
            platform_callback_time(&config, night, "specialist", "legal", number, None),
            PlatformCallbackTime::At("2026-11-26T13:00:00Z".parse().unwrap())
        );
        // A tier without a commitment of its own is held to the same law.
        assert_eq!(
            platform_callback_time(&config, night, "agent", "legal", number, None),
            PlatformCallbackTime::At("2026-11-26T13:00:00Z".parse().unwrap())
        );
    }

    #[test]
    fn a_platform_callback_to_an_unknown_place_is_never_dialled_at_once() {
        let config = CallbacksConfig::default();
        // 04:11 in Sydney.
        let now: Timestamp = "2026-11-25T17:11:00Z".parse().unwrap();
        for (number, needle) in [
            (
                Some("+61 2 9374 4000"),
                "cannot tell the callee's time zone",
            ),
            (None, "no callback number"),
        ] {
            let got = platform_callback_time(&config, now, "supervisor", "legal", number, None);
            let PlatformCallbackTime::Unplaceable(why) = got else {
                panic!("{number:?}: {got:?}");
            };
            assert!(why.contains(needle), "{why}");
        }
        // A state nobody knows is refused, not replaced by the number's place.
        let narnia = Address {
            country: String::new(),
            subdivision: Some("Narnia".into()),
        };
        let got = platform_callback_time(
            &config,
            now,
            "supervisor",
            "legal",
            Some("+12125551234"),
            Some(&narnia),
        );
        assert!(
            matches!(&got, PlatformCallbackTime::Unplaceable(why) if why.contains("NARNIA")),
            "{got:?}"
        );
    }

    #[test]
    fn a_window_a_person_commits_must_be_inside_calling_hours_in_every_zone() {
        let config = CallbacksConfig::default();
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        // 10:00–11:00 New York.
        assert!(check_window(
            &config,
            "+12125551234",
            None,
            at("2026-11-25T15:00:00Z"),
            at("2026-11-25T16:00:00Z")
        )
        .is_ok());
        // 20:30–21:30 New York runs past 21:00.
        let err = check_window(
            &config,
            "+12125551234",
            None,
            at("2026-11-26T01:30:00Z"),
            at("2026-11-26T02:30:00Z"),
        )
        .unwrap_err();
        assert!(err.contains("America/New_York"), "{err}");
        // Florida stops at 20:00: 19:30–20:30 Miami is refused.
        assert!(check_window(
            &config,
            "+13055551234",
            None,
            at("2026-11-26T00:30:00Z"),
            at("2026-11-26T01:30:00Z")
        )
        .is_err());
    }

    #[test]
    fn the_callers_address_and_number_both_bind_the_window() {
        let config = CallbacksConfig::default();
        // 19:30 in New York and Miami (Eastern); a New York number.
        let now: Timestamp = "2026-11-26T00:30:00Z".parse().unwrap();
        let number = Some("+12125551234");
        let new_york =
            window_for(&config, now, "supervisor", "supervisor", number, None).expect("a window");
        assert_eq!(new_york.region, "US-NY");
        assert_eq!(new_york.start, now);
        // The same number, the caller living in Florida (calls end at 20:00, and the
        // panhandle is Central): the window must hold in every zone under both laws.
        for florida in ["FL", "Florida", "US-FL", " florida "] {
            let address = Address {
                country: String::new(),
                subdivision: Some(florida.into()),
            };
            let w = window_for(
                &config,
                now,
                "supervisor",
                "supervisor",
                number,
                Some(&address),
            )
            .expect("a window");
            assert_eq!(w.region, "US-NY US-FL", "{florida}");
            assert_eq!(
                w.zones,
                vec![
                    "America/New_York".to_string(),
                    "America/Chicago".to_string()
                ]
            );
            // Calls to Florida end at 20:00 Eastern; New York's run on to 21:00.
            assert_eq!(w.end, "2026-11-26T01:00:00Z".parse::<Timestamp>().unwrap());
            assert!(new_york.end > w.end, "{new_york:?}");
        }
        let florida = Address {
            country: "US".into(),
            subdivision: Some("Florida".into()),
        };
        // At 20:30 Eastern a platform is asked for tomorrow 08:00 Eastern for Florida.
        let late: Timestamp = "2026-11-26T01:30:00Z".parse().unwrap();
        assert_eq!(
            platform_callback_time(&config, late, "supervisor", "supervisor", number, None),
            PlatformCallbackTime::Now
        );
        assert_eq!(
            platform_callback_time(
                &config,
                late,
                "supervisor",
                "supervisor",
                number,
                Some(&florida)
            ),
            PlatformCallbackTime::At("2026-11-26T14:00:00Z".parse().unwrap())
        );
    }

    #[test]
    fn a_team_without_a_calendar_is_never_closed_at_midnight_utc() {
        let config = CallbacksConfig::default();
        // 18:50 in Los Angeles is 02:50 UTC next day; the window runs across 00:00Z.
        let now: Timestamp = "2026-11-25T23:50:00Z".parse().unwrap();
        let w = window_for(
            &config,
            now,
            "supervisor",
            "no-calendar",
            Some("+1 415 555 0142"),
            None,
        )
        .expect("a window");
        assert_eq!(w.start, now);
        assert_eq!(w.end, w.deadline, "{w:?}");
        assert_eq!(w.end, "2026-11-26T01:50:00Z".parse::<Timestamp>().unwrap());
    }

    #[test]
    fn a_reschedule_names_what_is_wrong_with_when_it_is() {
        let mut config: CallbacksConfig = toml::from_str(
            r#"
[teams.legal]
zone = "America/Chicago"
holidays = ["2026-12-25"]
"#,
        )
        .expect("config");
        config.min_window_minutes = 15;
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        let now = at("2026-12-08T15:00:00Z");
        let check = |team: &str, start: &str, end: &str| {
            check_reschedule(&config, team, now, at(start), at(end))
        };
        // Wednesday 9 December, 10:00–11:00 Chicago: fine.
        assert_eq!(
            check("legal", "2026-12-09T16:00:00Z", "2026-12-09T17:00:00Z"),
            Ok(())
        );
        for (team, start, end, needle) in [
            (
                "legal",
                "2026-12-07T16:00:00Z",
                "2026-12-07T17:00:00Z",
                "in the past",
            ),
            (
                "legal",
                "2026-12-09T16:00:00Z",
                "2026-12-09T16:10:00Z",
                "shorter than the minimum of 15",
            ),
            (
                "legal",
                "2027-06-09T16:00:00Z",
                "2027-06-09T17:00:00Z",
                "past the horizon of 90 days",
            ),
            (
                "legal",
                "2026-12-25T16:00:00Z",
                "2026-12-25T17:00:00Z",
                "Friday 2026-12-25 is a day team legal is closed",
            ),
            (
                "legal",
                "2026-12-12T16:00:00Z",
                "2026-12-12T17:00:00Z",
                "Saturday 2026-12-12 is a day team legal is closed",
            ),
            (
                "legal",
                "2026-12-09T23:00:00Z",
                "2026-12-09T23:30:00Z",
                "outside team legal's business hours",
            ),
        ] {
            let err = check(team, start, end).expect_err(needle);
            assert!(err.contains(needle), "{needle}: {err}");
        }
        // A team without a calendar is open whenever the callee may be called.
        assert_eq!(
            check("support", "2026-12-12T16:00:00Z", "2026-12-12T17:00:00Z"),
            Ok(())
        );
    }

    #[test]
    fn a_reschedule_is_checked_in_the_zones_the_commitment_recorded() {
        let config = CallbacksConfig::default();
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        // 20:30–20:50 Eastern: lawful for a New York number, not for the Florida resident
        // the commitment recorded (calls end at 20:00 there).
        let (start, end) = (at("2026-11-26T01:30:00Z"), at("2026-11-26T01:50:00Z"));
        assert!(check_window(&config, "+12125551234", None, start, end).is_ok());
        let florida = Some(("America/New_York America/Chicago", "US-FL"));
        let err = check_window(&config, "+12125551234", florida, start, end).unwrap_err();
        assert!(err.contains("20:00"), "{err}");
    }

    #[test]
    fn no_number_or_no_commitment_is_said_plainly() {
        let config = CallbacksConfig::default();
        let now = Timestamp::now();
        assert!(window_for(&config, now, "specialist", "legal", None, None)
            .unwrap_err()
            .contains("no callback number"));
        assert!(
            window_for(&config, now, "agent", "legal", Some("+12125551234"), None)
                .unwrap_err()
                .contains("no callback commitment")
        );
    }

    #[test]
    fn late_at_night_the_window_moves_to_the_morning_only_when_the_policy_allows() {
        let config = CallbacksConfig::default();
        // 23:30 New York: calling hours are over; the 4-hour specialist policy counts
        // always-open business minutes, so 08:00 is past the deadline.
        let now: Timestamp = "2026-11-26T04:30:00Z".parse().unwrap();
        let err = window_for(
            &config,
            now,
            "specialist",
            "legal",
            Some("+12125551234"),
            None,
        )
        .unwrap_err();
        assert!(err.contains("cannot be met"), "{err}");
        // The day-long callback tier reaches into the morning.
        let w = window_for(
            &config,
            now,
            "callback",
            "legal",
            Some("+12125551234"),
            None,
        )
        .unwrap();
        assert_eq!(
            w.start,
            "2026-11-26T13:00:00Z".parse::<Timestamp>().unwrap()
        );
    }
}
