//! When calls may be placed: legal calling hours per region (callee-local) and the owning
//! team's business calendar (team-local).

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;

/// A daily clock interval `[open, close)`, local to some zone. Overnight spans are not
/// supported: `open` must be before `close`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenHours {
    pub open: Time,
    pub close: Time,
}

/// Calling hours are just daily open hours in the callee's zone.
pub type CallingHours = OpenHours;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoursError {
    #[error(
        "close {} must be after open {} (hours past midnight are not supported)",
        close.strftime("%H:%M"),
        open.strftime("%H:%M")
    )]
    CloseNotAfterOpen { open: Time, close: Time },
    #[error(
        "no calling hours for region `{region}`: add [callbacks.calling_hours.{country}] with \
         open and close (see docs/callbacks.md for what the law says)"
    )]
    NoCallingHours { region: String, country: String },
    #[error(
        "the calling hours that apply in `{region}` do not overlap (its own and its \
         subdivisions'): fix callbacks.calling_hours"
    )]
    NoCommonHours { region: String },
    #[error("zone `{0}` is not in the tz database; use an IANA name such as America/Chicago")]
    UnknownZone(String),
}

impl OpenHours {
    pub fn new(open: Time, close: Time) -> Result<Self, HoursError> {
        if open < close {
            Ok(Self { open, close })
        } else {
            Err(HoursError::CloseNotAfterOpen { open, close })
        }
    }

    fn hm(open: (i8, i8), close: (i8, i8)) -> Self {
        Self {
            open: Time::constant(open.0, open.1, 0, 0),
            close: Time::constant(close.0, close.1, 0, 0),
        }
    }

    /// The hours inside both, if any.
    pub fn intersect(self, other: Self) -> Option<Self> {
        Self::new(self.open.max(other.open), self.close.min(other.close)).ok()
    }
}

/// Calling hours by region: `US`, `US-FL`, `GB`... Defaults (domain.md §3):
/// - `US` 08:00–21:00: TCPA 47 CFR 64.1200(c)(1), TSR, FDCPA/Reg F;
/// - `US-FL` 08:00–20:00: Florida §501.616(6) as amended in 2021;
/// - `CA` 08:00–21:00: Escalator's conservative default, matching the US floor;
/// - `GB` 08:00–21:00: Escalator's conservative default: UK law sets no hours, the FCA
///   (CONC 7.9.4R) only forbids "unreasonable times".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallingHoursTable {
    regions: BTreeMap<String, CallingHours>,
}

impl Default for CallingHoursTable {
    fn default() -> Self {
        let regions = [
            ("US", OpenHours::hm((8, 0), (21, 0))),
            ("US-FL", OpenHours::hm((8, 0), (20, 0))),
            ("CA", OpenHours::hm((8, 0), (21, 0))),
            ("GB", OpenHours::hm((8, 0), (21, 0))),
        ];
        Self {
            regions: regions
                .into_iter()
                .map(|(r, h)| (r.to_string(), h))
                .collect(),
        }
    }
}

impl CallingHoursTable {
    /// The defaults with `overrides` replacing or adding regions.
    pub fn with_overrides(overrides: impl IntoIterator<Item = (String, CallingHours)>) -> Self {
        let mut table = Self::default();
        for (region, hours) in overrides {
            table.regions.insert(region.to_ascii_uppercase(), hours);
        }
        table
    }

    /// The hours for a callee in `region`. A subdivision without its own entry uses its
    /// country's. A bare country (state unknown) gets the strictest of the country and every
    /// configured subdivision of it: a callee we cannot place may be in Florida.
    pub fn for_region(&self, region: &str) -> Result<CallingHours, HoursError> {
        let region = region.trim().to_ascii_uppercase();
        if let Some(hours) = self.regions.get(&region) {
            if region.contains('-') {
                return Ok(*hours);
            }
        }
        let country = region
            .split_once('-')
            .map_or(region.as_str(), |(c, _)| c)
            .to_string();
        let Some(country_hours) = self.regions.get(&country) else {
            return Err(HoursError::NoCallingHours { region, country });
        };
        if region.contains('-') {
            return Ok(*country_hours);
        }
        let prefix = format!("{country}-");
        self.regions
            .iter()
            .filter(|(r, _)| r.starts_with(&prefix))
            .try_fold(*country_hours, |acc, (_, h)| acc.intersect(*h))
            .ok_or(HoursError::NoCommonHours { region })
    }
}

/// The owning team's open hours per weekday and holidays, in the team's zone.
#[derive(Debug, Clone)]
pub struct BusinessCalendar {
    zone: TimeZone,
    zone_name: String,
    /// Monday first; `None` is closed.
    week: [Option<OpenHours>; 7],
    holidays: BTreeSet<Date>,
}

impl BusinessCalendar {
    pub fn new(
        zone: &str,
        week: [Option<OpenHours>; 7],
        holidays: impl IntoIterator<Item = Date>,
    ) -> Result<Self, HoursError> {
        let tz = TimeZone::get(zone).map_err(|_| HoursError::UnknownZone(zone.to_string()))?;
        Ok(Self {
            zone: tz,
            zone_name: zone.to_string(),
            week,
            holidays: holidays.into_iter().collect(),
        })
    }

    pub fn zone(&self) -> &TimeZone {
        &self.zone
    }

    pub fn zone_name(&self) -> &str {
        &self.zone_name
    }

    /// The team's open hours on `date` (team-local), `None` when closed or a holiday.
    pub fn hours_on(&self, date: Date) -> Option<OpenHours> {
        if self.holidays.contains(&date) {
            return None;
        }
        self.week[weekday_index(date.weekday())]
    }

    /// Whether the team is open on at least one weekday.
    pub fn ever_open(&self) -> bool {
        self.week.iter().any(Option::is_some)
    }
}

fn weekday_index(day: Weekday) -> usize {
    usize::from(day.to_monday_zero_offset().unsigned_abs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, time};

    #[test]
    fn defaults_follow_domain_notes() {
        let t = CallingHoursTable::default();
        let us = t.for_region("US-NY").expect("state falls back to US");
        assert_eq!((us.open, us.close), (time(8, 0, 0, 0), time(21, 0, 0, 0)));
        let fl = t.for_region("us-fl").expect("florida");
        assert_eq!(fl.close, time(20, 0, 0, 0));
        assert_eq!(t.for_region("GB").expect("uk").close, time(21, 0, 0, 0));
        assert_eq!(t.for_region("US-PR").expect("territory uses US"), us);
    }

    #[test]
    fn an_unplaced_us_callee_gets_the_strictest_state_hours() {
        let t = CallingHoursTable::default();
        assert_eq!(t.for_region("US").expect("us").close, time(20, 0, 0, 0));
        let stricter = CallingHoursTable::with_overrides([(
            "us-tx".to_string(),
            OpenHours::new(time(9, 0, 0, 0), time(21, 0, 0, 0)).expect("valid"),
        )]);
        let us = stricter.for_region("US").expect("us");
        assert_eq!((us.open, us.close), (time(9, 0, 0, 0), time(20, 0, 0, 0)));
    }

    #[test]
    fn a_region_without_hours_is_an_error_naming_the_config_key() {
        let err = CallingHoursTable::default()
            .for_region("FR")
            .expect_err("no FR hours");
        assert!(
            err.to_string().contains("[callbacks.calling_hours.FR]"),
            "{err}"
        );
    }

    #[test]
    fn hours_must_open_before_they_close() {
        let err = OpenHours::new(time(17, 0, 0, 0), time(9, 0, 0, 0)).expect_err("reversed");
        assert!(err
            .to_string()
            .contains("close 09:00 must be after open 17:00"));
    }

    #[test]
    fn holidays_and_closed_days_have_no_hours() {
        let nine_to_five = OpenHours::hm((9, 0), (17, 0));
        let mut week = [Some(nine_to_five); 7];
        week[6] = None; // Sunday
        let cal =
            BusinessCalendar::new("America/Chicago", week, [date(2026, 12, 25)]).expect("calendar");
        assert_eq!(cal.hours_on(date(2026, 12, 24)), Some(nine_to_five));
        assert_eq!(cal.hours_on(date(2026, 12, 25)), None, "holiday");
        assert_eq!(cal.hours_on(date(2026, 12, 27)), None, "Sunday");
        assert!(BusinessCalendar::new("Central", week, []).is_err());
    }
}
