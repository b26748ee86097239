//! The window a callback commitment promises.
//!
//! - The deadline is `now` plus the tier's business minutes, counted only while the owning
//!   team is open (holidays skipped).
//! - The window is the earliest stretch at or after `now` that is inside the team's business
//!   hours and inside legal calling hours in every candidate callee zone, cut at the deadline.
//! - If no such stretch of at least the minimum length starts before the deadline, that is an
//!   error for the person committing: the window is never silently moved.
//!
//! Everything is computed as instant intervals from each zone's real rules, so DST days
//! (23 and 25 hours) and zones on different DST dates come out right.

use jiff::tz::TimeZone;
use jiff::{RoundMode, SignedDuration, Timestamp, TimestampRound, Unit};
use serde::Serialize;

use super::hours::{BusinessCalendar, CallingHoursTable, HoursError};
use super::interval::{daily, intersect, Interval};
use super::zone::{CalleeZones, ZoneError};

/// How far ahead the business calendar is searched for the deadline.
const DEADLINE_SEARCH_DAYS: i64 = 366;
/// How far it is searched first (most deadlines fall within days).
const FIRST_SEARCH_DAYS: i64 = 42;
/// How far past the deadline to look for the earliest possible time, to report it.
pub const EARLIEST_SEARCH_DAYS: i64 = 21;

/// What a tier promises: a deadline in business minutes, and the shortest window worth
/// promising (a few minutes before calling hours end is not a window anyone can keep).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub business_minutes: u32,
    pub min_window_minutes: u32,
}

/// When the callback must be placed: `[start, end)`, whole minutes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Window {
    pub start: Timestamp,
    pub end: Timestamp,
    /// The policy deadline; `end` is earlier when calling or business hours end first.
    pub deadline: Timestamp,
    /// The callee zones the window holds in.
    pub zones: Vec<String>,
    /// The calling-hours regions applied, space-separated ("US-FL", "US-FL US-NY"...).
    pub region: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error("policy business_minutes must be at least 1: set callbacks.policies.<tier>")]
    ZeroPolicy,
    #[error(
        "this callback cannot be met: the policy deadline is {}, but the first \
         {min_window_minutes}-minute window inside business hours when the callee may be \
         called (zones: {}) starts at {}. Agree a later time with the customer and record it, \
         or give the callback to a team that is open sooner",
        local(*deadline, team_zone),
        callee_zones.join(", "),
        local(*earliest_possible, team_zone)
    )]
    CannotBeMet {
        /// Start of the first window of the minimum length, deadline or not.
        earliest_possible: Timestamp,
        deadline: Timestamp,
        min_window_minutes: u32,
        team_zone: String,
        callee_zones: Vec<String>,
    },
    #[error(
        "no callable time from now until {EARLIEST_SEARCH_DAYS} days after the deadline ({}): \
         the team's business hours never overlap the callee's calling hours in every zone \
         ({}). Check the team's business_hours and the callee's address or zone",
        local(*deadline, team_zone),
        callee_zones.join(", ")
    )]
    NoCallableTime {
        deadline: Timestamp,
        team_zone: String,
        callee_zones: Vec<String>,
    },
    #[error(
        "the team ({team_zone}) has no business hours in the next {DEADLINE_SEARCH_DAYS} days, \
         so no deadline can be counted: set its business_hours and check its holidays"
    )]
    NoBusinessHours { team_zone: String },
    #[error(transparent)]
    Zone(#[from] ZoneError),
    #[error(transparent)]
    Hours(#[from] HoursError),
    #[error("time out of range while computing the window: {0}")]
    Time(String),
}

impl From<jiff::Error> for WindowError {
    fn from(e: jiff::Error) -> Self {
        WindowError::Time(e.to_string())
    }
}

/// Computes the window a commitment made at `now` promises (see module docs).
pub fn commit_window(
    now: Timestamp,
    policy: Policy,
    callee: &CalleeZones,
    calling: &CallingHoursTable,
    team: &BusinessCalendar,
) -> Result<Window, WindowError> {
    if policy.business_minutes == 0 {
        return Err(WindowError::ZeroPolicy);
    }
    let rules = calling.for_regions(callee.regions.iter().map(String::as_str))?;
    let zones = callee.time_zones()?;

    // The business calendar over a few weeks first, a year only when that holds too few
    // business minutes: a year of days for every commitment is most of the work.
    let business_until = |days: i64| -> Result<Vec<Interval>, WindowError> {
        let end = now.checked_add(SignedDuration::from_hours(days * 24))?;
        Ok(daily(team.zone(), now, end, |d| team.hours_on(d))?)
    };
    let mut searched = FIRST_SEARCH_DAYS;
    let mut business = business_until(searched)?;
    let deadline = match count_business_minutes(&business, policy.business_minutes) {
        Some(deadline) => deadline,
        None => {
            searched = DEADLINE_SEARCH_DAYS;
            business = business_until(searched)?;
            count_business_minutes(&business, policy.business_minutes).ok_or_else(|| {
                WindowError::NoBusinessHours {
                    team_zone: team.zone_name().to_string(),
                }
            })?
        }
    };

    let report_end = deadline.checked_add(SignedDuration::from_hours(EARLIEST_SEARCH_DAYS * 24))?;
    if report_end > now.checked_add(SignedDuration::from_hours(searched * 24))? {
        business = daily(team.zone(), now, report_end, |d| team.hours_on(d))?;
    }
    let mut allowed: Vec<Interval> = business
        .into_iter()
        .take_while(|i| i.start < report_end)
        .collect();
    for tz in &zones {
        allowed = intersect(&allowed, &daily(tz, now, report_end, |d| rules.on(d))?);
    }

    // A window can never be longer than the policy itself.
    let min_window_minutes = policy.min_window_minutes.min(policy.business_minutes);
    let min_len = SignedDuration::from_mins(i64::from(min_window_minutes));
    let mut earliest = None;
    for i in &allowed {
        let start = round(i.start, RoundMode::Ceil)?;
        let long_enough = |end: Timestamp| end > start && end.duration_since(start) >= min_len;
        if start < deadline {
            let end = round(i.end.min(deadline), RoundMode::Floor)?;
            if long_enough(end) {
                return Ok(Window {
                    start,
                    end,
                    deadline,
                    zones: callee.zones.clone(),
                    region: callee.region_label(),
                });
            }
        }
        // The first stretch long enough to promise, had the deadline allowed it.
        if long_enough(round(i.end, RoundMode::Floor)?) {
            earliest = Some(start);
            break;
        }
    }
    let team_zone = team.zone_name().to_string();
    let callee_zones = callee.zones.clone();
    Err(match earliest {
        Some(earliest_possible) => WindowError::CannotBeMet {
            earliest_possible,
            deadline,
            min_window_minutes,
            team_zone,
            callee_zones,
        },
        None => WindowError::NoCallableTime {
            deadline,
            team_zone,
            callee_zones,
        },
    })
}

/// The instant `minutes` business minutes into `business` (sorted, from now on).
fn count_business_minutes(business: &[Interval], minutes: u32) -> Option<Timestamp> {
    let mut left = SignedDuration::from_mins(i64::from(minutes));
    for i in business {
        let len = i.end.duration_since(i.start);
        if len >= left {
            return i.start.checked_add(left).ok();
        }
        left -= len;
    }
    None
}

fn round(ts: Timestamp, mode: RoundMode) -> Result<Timestamp, jiff::Error> {
    ts.round(TimestampRound::new().smallest(Unit::Minute).mode(mode))
}

/// `ts` as a person in `zone` reads it, e.g. "Mon 9 Mar 2026 10:00 CDT".
fn local(ts: Timestamp, zone: &str) -> String {
    match TimeZone::get(zone) {
        Ok(tz) => ts
            .to_zoned(tz)
            .strftime("%a %-d %b %Y %H:%M %Z")
            .to_string(),
        Err(_) => ts.to_string(),
    }
}

impl Window {
    /// The window as the callee in `zone` hears it, e.g.
    /// "between 14:10 and 16:10 your time on Monday 9 March".
    pub fn display_in(&self, zone: &str) -> Result<String, ZoneError> {
        let tz = TimeZone::get(zone).map_err(|_| ZoneError::UnknownZone(zone.to_string()))?;
        let start = self.start.to_zoned(tz.clone());
        let end = self.end.to_zoned(tz);
        Ok(if start.date() == end.date() {
            format!(
                "between {} and {} your time on {}",
                start.strftime("%H:%M"),
                end.strftime("%H:%M"),
                start.strftime("%A %-d %B")
            )
        } else {
            format!(
                "between {} and {} your time",
                start.strftime("%A %-d %B %H:%M"),
                end.strftime("%A %-d %B %H:%M")
            )
        })
    }
}

#[cfg(test)]
#[path = "window_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "window_sweep_tests.rs"]
mod sweep_tests;
