//! Public holidays of the countries whose calling-hours rules close on them, computed from
//! their statutory rules (fixed dates, "nth weekday of a month", Easter). Where a holiday
//! falling on a weekend moves to a weekday, both the day itself and the substitute are
//! holidays here: a callback held a day longer is lawful, one placed on a holiday may not be.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, OnceLock, PoisonError};

use jiff::civil::{date, Date, Weekday};
use jiff::ToSpan;

/// Whose public holidays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HolidayCalendar {
    /// US federal holidays (5 U.S.C. 6103), which the states that close on "legal
    /// holidays" all keep.
    Us,
    /// Canada's nationwide statutory holidays.
    Ca,
    /// England and Wales bank holidays.
    Gb,
    /// Ireland's public holidays (Organisation of Working Time Act 1997, Schedule 2).
    Ie,
    /// Spain's national holidays (Estatuto de los Trabajadores art. 37.2).
    Es,
    /// Mexico's statutory rest days (Ley Federal del Trabajo art. 74).
    Mx,
}

impl HolidayCalendar {
    /// The calendar of an ISO 3166-1 country, where Escalator has one.
    pub fn of_country(iso: &str) -> Option<Self> {
        Some(match iso.trim().to_ascii_uppercase().as_str() {
            "US" => Self::Us,
            "CA" => Self::Ca,
            "GB" => Self::Gb,
            "IE" => Self::Ie,
            "ES" => Self::Es,
            "MX" => Self::Mx,
            _ => return None,
        })
    }

    /// Whether `day` is a public holiday (or its weekday substitute) in this calendar.
    pub fn contains(self, day: Date) -> bool {
        // Asked once per day per zone for every window: computed once per year and kept.
        type Cache = Mutex<HashMap<(HolidayCalendar, i16), BTreeSet<Date>>>;
        static CACHE: OnceLock<Cache> = OnceLock::new();
        let cache = CACHE.get_or_init(Cache::default);
        // A poisoned lock only means another thread panicked mid-insert; the map is intact.
        let mut years = cache.lock().unwrap_or_else(PoisonError::into_inner);
        years
            .entry((self, day.year()))
            .or_insert_with(|| self.holidays(day.year()))
            .contains(&day)
    }

    /// The year's holidays, substitutes included.
    pub fn holidays(self, year: i16) -> BTreeSet<Date> {
        let d = |m: i8, day: i8| date(year, m, day);
        let nth = |n: i8, wd: Weekday, m: i8| nth_weekday(year, m, wd, n);
        let last = |wd: Weekday, m: i8| nth_weekday(year, m, wd, -1);
        let easter = easter(year);
        let shift = |days: i32| easter.checked_add(days.days()).ok();
        let (fixed, moving): (Vec<Date>, Vec<Option<Date>>) = match self {
            HolidayCalendar::Us => (
                vec![d(1, 1), d(6, 19), d(7, 4), d(11, 11), d(12, 25)],
                vec![
                    nth(3, Weekday::Monday, 1),
                    nth(3, Weekday::Monday, 2),
                    last(Weekday::Monday, 5),
                    nth(1, Weekday::Monday, 9),
                    nth(2, Weekday::Monday, 10),
                    nth(4, Weekday::Thursday, 11),
                ],
            ),
            HolidayCalendar::Ca => (
                vec![d(1, 1), d(7, 1), d(9, 30), d(11, 11), d(12, 25), d(12, 26)],
                vec![
                    shift(-2),
                    // Victoria Day: the Monday before 25 May.
                    d(5, 24)
                        .checked_sub(weekday_offset(d(5, 24), Weekday::Monday).days())
                        .ok(),
                    nth(1, Weekday::Monday, 9),
                    nth(2, Weekday::Monday, 10),
                ],
            ),
            HolidayCalendar::Gb => (
                vec![d(1, 1), d(12, 25), d(12, 26)],
                vec![
                    shift(-2),
                    shift(1),
                    nth(1, Weekday::Monday, 5),
                    last(Weekday::Monday, 5),
                    last(Weekday::Monday, 8),
                ],
            ),
            HolidayCalendar::Ie => (
                vec![d(1, 1), d(3, 17), d(12, 25), d(12, 26)],
                vec![
                    // St Brigid's Day: 1 February when a Friday, else the first Monday.
                    Some(if d(2, 1).weekday() == Weekday::Friday {
                        d(2, 1)
                    } else {
                        nth(1, Weekday::Monday, 2).unwrap_or(d(2, 1))
                    }),
                    shift(1),
                    nth(1, Weekday::Monday, 5),
                    nth(1, Weekday::Monday, 6),
                    nth(1, Weekday::Monday, 8),
                    last(Weekday::Monday, 10),
                ],
            ),
            HolidayCalendar::Es => (
                vec![
                    d(1, 1),
                    d(1, 6),
                    d(5, 1),
                    d(8, 15),
                    d(10, 12),
                    d(11, 1),
                    d(12, 6),
                    d(12, 8),
                    d(12, 25),
                ],
                // Good Friday nationwide; Maundy Thursday in every region but Catalonia.
                vec![shift(-2), shift(-3)],
            ),
            HolidayCalendar::Mx => (
                vec![d(1, 1), d(5, 1), d(9, 16), d(12, 25)],
                vec![
                    nth(1, Weekday::Monday, 2),
                    nth(3, Weekday::Monday, 3),
                    nth(3, Weekday::Monday, 11),
                ],
            ),
        };
        let mut out: BTreeSet<Date> = moving.into_iter().flatten().collect();
        for day in fixed {
            out.insert(day);
            out.extend(substitutes(day));
        }
        out
    }
}

/// The weekdays a weekend holiday may be observed on: the Friday before (US practice) and
/// the Monday and Tuesday after (Commonwealth and Irish practice, Tuesday when Christmas
/// takes the Monday).
fn substitutes(day: Date) -> Vec<Date> {
    let offsets: &[i32] = match day.weekday() {
        Weekday::Saturday => &[-1, 2, 3],
        Weekday::Sunday => &[1, 2],
        _ => &[],
    };
    offsets
        .iter()
        .filter_map(|n| day.checked_add(n.days()).ok())
        .collect()
}

/// Days back from `day` to the previous (or same) `wd`.
fn weekday_offset(day: Date, wd: Weekday) -> i32 {
    i32::from(day.weekday().since(wd))
}

/// The `n`th (1-based; -1 for the last) `wd` of `month`.
fn nth_weekday(year: i16, month: i8, wd: Weekday, n: i8) -> Option<Date> {
    date(year, month, 1).nth_weekday_of_month(n, wd).ok()
}

/// Gregorian Easter Sunday (the anonymous "Meeus/Jones/Butcher" algorithm).
pub fn easter(year: i16) -> Date {
    let y = i32::from(year);
    let (a, b, c) = (y % 19, y / 100, y % 100);
    let (d, e) = (b / 4, b % 4);
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let (i, k) = (c / 4, c % 4);
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    // Month is 3 or 4 and day 1..=31 by construction.
    date(year, month as i8, day as i8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn easter_matches_published_dates() {
        for (y, m, d) in [
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2038, 4, 25),
        ] {
            assert_eq!(easter(y), date(y, m, d), "{y}");
        }
    }

    #[test]
    fn us_federal_holidays_of_2026_with_their_observed_days() {
        let h = HolidayCalendar::Us.holidays(2026);
        for day in [
            date(2026, 1, 1),
            date(2026, 1, 19),
            date(2026, 2, 16),
            date(2026, 5, 25),
            date(2026, 6, 19),
            // 4 July 2026 is a Saturday: observed on Friday 3 July.
            date(2026, 7, 3),
            date(2026, 7, 4),
            date(2026, 9, 7),
            date(2026, 10, 12),
            date(2026, 11, 11),
            date(2026, 11, 26),
            date(2026, 12, 25),
        ] {
            assert!(h.contains(&day), "{day}");
        }
        assert!(!h.contains(&date(2026, 11, 27)));
        assert!(!HolidayCalendar::Us.contains(date(2026, 3, 9)));
    }

    #[test]
    fn other_calendars_know_their_own_days() {
        assert!(
            HolidayCalendar::Ie.contains(date(2026, 3, 17)),
            "St Patrick"
        );
        assert!(HolidayCalendar::Ie.contains(date(2026, 2, 2)), "St Brigid");
        assert!(HolidayCalendar::Ie.contains(date(2026, 10, 26)), "October");
        assert!(HolidayCalendar::Es.contains(date(2026, 10, 12)));
        assert!(
            HolidayCalendar::Es.contains(date(2026, 4, 3)),
            "Good Friday"
        );
        assert!(
            HolidayCalendar::Ca.contains(date(2026, 5, 18)),
            "Victoria Day"
        );
        assert!(
            HolidayCalendar::Ca.contains(date(2026, 10, 12)),
            "Thanksgiving"
        );
        assert!(
            HolidayCalendar::Gb.contains(date(2026, 8, 31)),
            "summer bank holiday"
        );
        assert!(HolidayCalendar::Mx.contains(date(2026, 9, 16)));
        assert!(
            HolidayCalendar::Mx.contains(date(2026, 2, 2)),
            "Constitution Day"
        );
        // Boxing Day 2026 is a Saturday: Monday 28 December is the substitute.
        assert!(HolidayCalendar::Gb.contains(date(2026, 12, 28)));
    }
}
