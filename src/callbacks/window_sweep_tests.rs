//! The window rules checked directly in local time, for many `now`s, independently of the
//! interval code.

use super::tests::{at, callee, hm, policy, team, CHI};
use super::*;
use crate::callbacks::hours::OpenHours;
use jiff::civil::{date, Date};

/// Every window, for many `now`s across both DST weeks and several callees, is checked
/// against the rules directly in local time, independently of the interval code.
#[test]
fn every_window_lies_inside_every_rule() {
    let table = CallingHoursTable::default();
    let chicago = team(
        CHI,
        &[0, 1, 2, 3, 4, 5],
        hm(8, 0),
        hm(20, 0),
        &[date(2026, 3, 9)],
    );
    let callees = [
        "+1 212 555 0142",
        "+1 850 555 0142",
        "+1 915 555 0142",
        "+44 20 7183 8750",
    ]
    .map(callee);
    let (mut checked, mut cannot) = (0, 0);
    for first in ["2026-03-05T00:00Z", "2026-10-29T00:00Z"] {
        let mut now = at(&format!("{first}[UTC]"));
        let end = now
            .checked_add(SignedDuration::from_hours(24 * 7))
            .expect("end");
        while now < end {
            for who in &callees {
                let rules = table
                    .for_regions(who.regions.iter().map(String::as_str))
                    .expect("rules");
                match commit_window(now, policy(120), who, &table, &chicago) {
                    Ok(w) => {
                        assert!(w.start >= now && w.end <= w.deadline, "{w:?}");
                        assert!(w.end.duration_since(w.start) >= SignedDuration::from_mins(15));
                        for zone in &who.zones {
                            inside(w.start, w.end, zone, |d| rules.on(d));
                        }
                        inside(w.start, w.end, CHI, |d| chicago.hours_on(d));
                        checked += 1;
                    }
                    Err(WindowError::CannotBeMet {
                        earliest_possible,
                        deadline,
                        min_window_minutes,
                        ..
                    }) => {
                        let min = SignedDuration::from_mins(min_window_minutes.into());
                        let first_end = earliest_possible.checked_add(min).expect("end");
                        assert!(
                            first_end > deadline,
                            "{now}: {earliest_possible} {deadline}"
                        );
                        cannot += 1;
                    }
                    Err(e) => panic!("{now}: {e}"),
                }
            }
            now = now
                .checked_add(SignedDuration::from_mins(47))
                .expect("step");
        }
    }
    assert!(checked > 500, "only {checked} windows checked");
    assert!(cannot > 10, "only {cannot} unmet windows checked");
}

/// `[start, end)` read in `zone` is one local day's stretch inside `hours_on` that day.
fn inside(
    start: Timestamp,
    end: Timestamp,
    zone: &str,
    hours_on: impl Fn(Date) -> Option<OpenHours>,
) {
    let tz = TimeZone::get(zone).expect(zone);
    let (s, e) = (start.to_zoned(tz.clone()), end.to_zoned(tz));
    let hours = hours_on(s.date()).unwrap_or_else(|| panic!("{zone}: closed on {s}"));
    assert!(s.time() >= hours.open, "{zone}: {s} before {}", hours.open);
    assert!(
        e.date() == s.date() && e.time() <= hours.close,
        "{zone}: {e} after {}",
        hours.close
    );
}
