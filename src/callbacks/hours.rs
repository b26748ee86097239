//! When calls may be placed: legal calling hours per region (callee-local) and the owning
//! team's business calendar (team-local).

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;

use super::holidays::HolidayCalendar;

/// A daily clock interval `[open, close)`, local to some zone. Overnight spans are not
/// supported: `open` must be before `close`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenHours {
    pub open: Time,
    pub close: Time,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoursError {
    #[error(
        "close {} must be after open {} (hours past midnight are not supported)",
        close.strftime("%H:%M"),
        open.strftime("%H:%M")
    )]
    CloseNotAfterOpen { open: Time, close: Time },
    #[error(
        "the calling hours that apply in `{region}` never allow a call (its own, its \
         country's and its subdivisions' together): fix callbacks.calling_hours"
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

    pub(crate) const fn hm(open: (i8, i8), close: (i8, i8)) -> Self {
        Self {
            open: Time::constant(open.0, open.1, 0, 0),
            close: Time::constant(close.0, close.1, 0, 0),
        }
    }

    /// Midnight to midnight: `close` is `Time::MAX`, read as the next midnight, so days join.
    pub const fn all_day() -> Self {
        Self {
            open: Time::MIN,
            close: Time::MAX,
        }
    }

    /// The hours inside both, if any.
    pub fn intersect(self, other: Self) -> Option<Self> {
        Self::new(self.open.max(other.open), self.close.min(other.close)).ok()
    }
}

/// What the law of one jurisdiction allows, callee-local, by kind of day. `None` is "no
/// calls that day".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallingRules {
    pub weekdays: Option<OpenHours>,
    pub saturday: Option<OpenHours>,
    pub sunday: Option<OpenHours>,
    /// Public holidays with no calls at all, by whose calendar.
    pub closed_on: BTreeSet<HolidayCalendar>,
}

impl CallingRules {
    /// The same hours every day, holidays included.
    pub fn every_day(hours: OpenHours) -> Self {
        Self::week(Some(hours), Some(hours), Some(hours))
    }

    pub fn week(
        weekdays: Option<OpenHours>,
        saturday: Option<OpenHours>,
        sunday: Option<OpenHours>,
    ) -> Self {
        Self {
            weekdays,
            saturday,
            sunday,
            closed_on: BTreeSet::new(),
        }
    }

    /// These rules, with no calls on `calendar`'s public holidays.
    pub fn closed_on(mut self, calendar: HolidayCalendar) -> Self {
        self.closed_on.insert(calendar);
        self
    }

    /// Escalator's rule where no law is known: 10:00–18:00 Monday to Friday, no weekend
    /// calls (inside every rule in the built-in table; docs/callbacks.md).
    pub fn conservative_default() -> Self {
        Self::week(Some(OpenHours::hm((10, 0), (18, 0))), None, None)
    }

    /// The hours on `date` (callee-local), `None` when no call is allowed that day.
    pub fn on(&self, date: Date) -> Option<OpenHours> {
        if self.closed_on.iter().any(|c| c.contains(date)) {
            return None;
        }
        match date.weekday() {
            Weekday::Saturday => self.saturday,
            Weekday::Sunday => self.sunday,
            _ => self.weekdays,
        }
    }

    /// Only what both allow: a callee under both laws (a state and its country, or every
    /// place they may be).
    pub fn intersect(&self, other: &Self) -> Self {
        let both = |a: Option<OpenHours>, b: Option<OpenHours>| a?.intersect(b?);
        Self {
            weekdays: both(self.weekdays, other.weekdays),
            saturday: both(self.saturday, other.saturday),
            sunday: both(self.sunday, other.sunday),
            closed_on: self.closed_on.union(&other.closed_on).copied().collect(),
        }
    }

    /// Whether a call is allowed on some day of the week.
    pub fn ever_open(&self) -> bool {
        self.weekdays.is_some() || self.saturday.is_some() || self.sunday.is_some()
    }
}

/// Calling rules by jurisdiction: `US`, `US-FL`, `GB`... The built-in table and its
/// sources are in [`super::jurisdictions`] and docs/callbacks.md.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallingHoursTable {
    regions: BTreeMap<String, CallingRules>,
}

impl Default for CallingHoursTable {
    fn default() -> Self {
        Self {
            regions: super::jurisdictions::builtin()
                .into_iter()
                .map(|(r, h)| (r.to_string(), h))
                .collect(),
        }
    }
}

impl CallingHoursTable {
    /// The built-in table with `overrides` replacing or adding regions.
    pub fn with_overrides(overrides: impl IntoIterator<Item = (String, CallingRules)>) -> Self {
        let mut table = Self::default();
        for (region, rules) in overrides {
            table.regions.insert(region.to_ascii_uppercase(), rules);
        }
        table
    }

    /// The rules for a callee in `region`: its country's (a country without any is given
    /// [`CallingRules::conservative_default`]) and, for a subdivision, its own too. A bare
    /// country (subdivision unknown) gets its own and every subdivision's together: a
    /// callee we cannot place may be in Rhode Island.
    pub fn for_region(&self, region: &str) -> Result<CallingRules, HoursError> {
        let region = region.trim().to_ascii_uppercase();
        let country = region
            .split_once('-')
            .map_or(region.as_str(), |(c, _)| c)
            .to_string();
        let base = self
            .regions
            .get(&country)
            .cloned()
            .unwrap_or_else(CallingRules::conservative_default);
        let rules = if region.contains('-') {
            match self.regions.get(&region) {
                Some(own) => base.intersect(own),
                None => base,
            }
        } else {
            let prefix = format!("{country}-");
            self.regions
                .iter()
                .filter(|(r, _)| r.starts_with(&prefix))
                .fold(base, |acc, (_, own)| acc.intersect(own))
        };
        if rules.ever_open() {
            Ok(rules)
        } else {
            Err(HoursError::NoCommonHours { region })
        }
    }

    /// The regions with rules of their own.
    pub fn regions(&self) -> impl Iterator<Item = &str> {
        self.regions.keys().map(String::as_str)
    }

    /// The rules that hold in every one of `regions` (a callee who may be in any of them).
    pub fn for_regions<'a>(
        &self,
        regions: impl IntoIterator<Item = &'a str>,
    ) -> Result<CallingRules, HoursError> {
        let mut all: Option<(CallingRules, Vec<&str>)> = None;
        for region in regions {
            let rules = self.for_region(region)?;
            all = Some(match all {
                None => (rules, vec![region]),
                Some((acc, mut names)) => {
                    names.push(region);
                    (acc.intersect(&rules), names)
                }
            });
        }
        match all {
            Some((rules, _)) if rules.ever_open() => Ok(rules),
            Some((_, names)) => Err(HoursError::NoCommonHours {
                region: names.join(" "),
            }),
            None => Ok(CallingRules::conservative_default()),
        }
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

    fn hours(open: i8, close: i8) -> Option<OpenHours> {
        Some(OpenHours::hm((open, 0), (close, 0)))
    }

    #[test]
    fn a_state_is_held_to_its_own_rules_and_the_federal_floor() {
        let t = CallingHoursTable::default();
        let ny = t.for_region("US-NY").expect("state falls back to US");
        assert_eq!(ny, CallingRules::every_day(OpenHours::hm((8, 0), (21, 0))));
        assert_eq!(
            t.for_region("us-fl").expect("florida").weekdays,
            hours(8, 20)
        );
        assert_eq!(t.for_region("US-PR").expect("territory uses US"), ny);
        let tx = t.for_region("US-TX").expect("texas");
        // Monday 9 March 2026, Saturday 14, Sunday 15.
        assert_eq!(tx.on(date(2026, 3, 9)), hours(9, 21));
        assert_eq!(tx.on(date(2026, 3, 14)), hours(9, 21));
        assert_eq!(tx.on(date(2026, 3, 15)), hours(12, 21));
        let ri = t.for_region("US-RI").expect("rhode island");
        assert_eq!(ri.on(date(2026, 3, 9)), hours(9, 18));
        assert_eq!(ri.on(date(2026, 3, 14)), hours(10, 17));
        assert_eq!(ri.on(date(2026, 3, 15)), None, "no Sunday calls");
        assert_eq!(ri.on(date(2026, 11, 26)), None, "Thanksgiving");
        let ky = t.for_region("US-KY").expect("kentucky");
        assert_eq!(ky.on(date(2026, 3, 9)), hours(10, 21));
    }

    #[test]
    fn an_unplaced_callee_gets_the_strictest_rules_of_every_subdivision() {
        let t = CallingHoursTable::default();
        let us = t.for_region("US").expect("us");
        // Kentucky opens at 10, Rhode Island closes at 18 (17 on Saturdays); five states
        // forbid Sunday calls and holidays.
        assert_eq!(us.weekdays, hours(10, 18));
        assert_eq!(us.saturday, hours(10, 17));
        assert_eq!(us.sunday, None);
        assert!(us.closed_on.contains(&HolidayCalendar::Us));
        let stricter = CallingHoursTable::with_overrides([(
            "us-ak".to_string(),
            CallingRules::every_day(OpenHours::hm((11, 0), (16, 0))),
        )]);
        assert_eq!(
            stricter.for_region("US").expect("us").weekdays,
            hours(11, 16)
        );
    }

    #[test]
    fn canada_and_the_countries_callers_come_from_have_their_own_rules() {
        let t = CallingHoursTable::default();
        let ca = t.for_region("CA-ON").expect("ontario");
        assert_eq!(ca.weekdays, Some(OpenHours::hm((9, 0), (21, 30))));
        assert_eq!(ca.saturday, hours(10, 18));
        assert_eq!(ca.sunday, hours(10, 18));
        let ie = t.for_region("IE").expect("ireland");
        assert_eq!(ie.on(date(2026, 3, 16)), hours(9, 21));
        assert_eq!(ie.on(date(2026, 3, 17)), None, "St Patrick's Day");
        assert_eq!(ie.sunday, None);
        let es = t.for_region("ES").expect("spain");
        assert_eq!(es.weekdays, hours(9, 21));
        assert_eq!((es.saturday, es.sunday), (None, None));
        assert!(t.for_region("MX").expect("mexico").ever_open());
        assert!(t.for_region("GB").expect("uk").ever_open());
    }

    #[test]
    fn a_region_without_rules_gets_the_conservative_default() {
        let t = CallingHoursTable::default();
        assert_eq!(
            t.for_region("FR").expect("default"),
            CallingRules::conservative_default()
        );
        let everywhere = t.for_regions(["US-TX", "GB", "FR"]).expect("common");
        assert_eq!(everywhere.weekdays, hours(10, 18));
        assert_eq!(everywhere.sunday, None);
        let never = CallingHoursTable::with_overrides([(
            "US-AK".to_string(),
            CallingRules::week(None, None, None),
        )]);
        let err = never.for_region("US-AK").expect_err("never open");
        assert!(err.to_string().contains("callbacks.calling_hours"), "{err}");
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
