//! The window of a callback Escalator commits to itself: from the escalation's tier policy,
//! the caller's number (their zone) and the team's business calendar.

use jiff::civil::Time;
use jiff::Timestamp;

use super::{
    commit_window, CallbackNumber, CallbacksConfig, CalleeZones, OpenHours, Window, WindowError,
};
use crate::playbook::Tier;

/// When the callback time asked of a platform should be, for a callback committed now: the
/// window's start when it opens later, `None` (at once) when it is open now, and the first
/// lawful time when the policy's deadline cannot be met (late beats unlawful). `None` too
/// when nothing is known to compute with, so the platform's own rules apply.
pub fn platform_callback_time(
    config: &CallbacksConfig,
    now: Timestamp,
    tier: &str,
    team: &str,
    number: Option<&str>,
) -> Option<Timestamp> {
    match window(config, now, tier, team, number) {
        Ok(w) if w.start > now + jiff::SignedDuration::from_mins(1) => Some(w.start),
        Ok(_) => None,
        Err(Refused::Window(WindowError::CannotBeMet {
            earliest_possible, ..
        })) => Some(earliest_possible),
        Err(_) => None,
    }
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
) -> Result<Window, String> {
    window(config, now, tier, team, number).map_err(|e| match e {
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
) -> Result<Window, Refused> {
    let other = |e: &dyn std::fmt::Display| Refused::Other(e.to_string());
    let tier = [Tier::Supervisor, Tier::Specialist, Tier::Callback]
        .into_iter()
        .find(|t| t.as_str() == tier)
        .ok_or_else(|| Refused::Other(format!("tier {tier:?} makes no callback commitment")))?;
    let policy = config.policy(tier).map_err(|e| other(&e))?;
    let number = number.ok_or_else(|| {
        Refused::Other("no callback number is known: take it from the call record".into())
    })?;
    let number = CallbackNumber::parse(number, &config.default_region).map_err(|e| other(&e))?;
    let callee = CalleeZones::resolve(None, &number).map_err(|e| other(&e))?;
    let calling = config.calling_hours_table().map_err(|e| other(&e))?;
    let calendar = match config.teams.contains_key(team) {
        true => config.team_calendar(team).map_err(|e| other(&e))?,
        // A team without a calendar takes callbacks at any hour the callee may be called.
        false => always_open().map_err(|e| other(&e))?,
    };
    commit_window(now, policy, &callee, &calling, &calendar).map_err(Refused::Window)
}

/// Checks a window a person commits (a reschedule): it must lie inside the callee's calling
/// hours on one day in every zone the number may be in. The error says what to change.
pub fn check_window(
    config: &CallbacksConfig,
    number: &str,
    start: Timestamp,
    end: Timestamp,
) -> Result<(), String> {
    let number =
        CallbackNumber::parse(number, &config.default_region).map_err(|e| e.to_string())?;
    let callee = CalleeZones::resolve(None, &number).map_err(|e| e.to_string())?;
    let hours = config
        .calling_hours_table()
        .map_err(|e| e.to_string())?
        .for_region(&callee.region)
        .map_err(|e| e.to_string())?;
    for (zone, tz) in callee
        .zones
        .iter()
        .zip(callee.time_zones().map_err(|e| e.to_string())?)
    {
        let (s, e) = (start.to_zoned(tz.clone()), end.to_zoned(tz));
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
    let day = OpenHours::new(Time::midnight(), Time::constant(23, 59, 0, 0))?;
    super::BusinessCalendar::new("UTC", [Some(day); 7], [])
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
            platform_callback_time(&config, day, "supervisor", "supervisor", number),
            None
        );
        // 23:30 New York: not now, and not before 08:00 even though that is late.
        let night: Timestamp = "2026-11-26T04:30:00Z".parse().unwrap();
        assert_eq!(
            platform_callback_time(&config, night, "specialist", "legal", number),
            Some("2026-11-26T13:00:00Z".parse().unwrap())
        );
        // No number: the platform's own rules.
        assert_eq!(
            platform_callback_time(&config, night, "specialist", "legal", None),
            None
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
            at("2026-11-25T15:00:00Z"),
            at("2026-11-25T16:00:00Z")
        )
        .is_ok());
        // 20:30–21:30 New York runs past 21:00.
        let err = check_window(
            &config,
            "+12125551234",
            at("2026-11-26T01:30:00Z"),
            at("2026-11-26T02:30:00Z"),
        )
        .unwrap_err();
        assert!(err.contains("America/New_York"), "{err}");
        // Florida stops at 20:00: 19:30–20:30 Miami is refused.
        assert!(check_window(
            &config,
            "+13055551234",
            at("2026-11-26T00:30:00Z"),
            at("2026-11-26T01:30:00Z")
        )
        .is_err());
    }

    #[test]
    fn no_number_or_no_commitment_is_said_plainly() {
        let config = CallbacksConfig::default();
        let now = Timestamp::now();
        assert!(window_for(&config, now, "specialist", "legal", None)
            .unwrap_err()
            .contains("no callback number"));
        assert!(
            window_for(&config, now, "agent", "legal", Some("+12125551234"))
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
        let err =
            window_for(&config, now, "specialist", "legal", Some("+12125551234")).unwrap_err();
        assert!(err.contains("cannot be met"), "{err}");
        // The day-long callback tier reaches into the morning.
        let w = window_for(&config, now, "callback", "legal", Some("+12125551234")).unwrap();
        assert_eq!(
            w.start,
            "2026-11-26T13:00:00Z".parse::<Timestamp>().unwrap()
        );
    }
}
