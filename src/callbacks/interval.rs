//! Half-open instant intervals `[start, end)` and the daily intervals a zone's local hours
//! make. Working in instants (not local clock times) is what makes 23- and 25-hour DST days
//! come out right.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

use super::hours::OpenHours;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Interval {
    pub start: Timestamp,
    pub end: Timestamp,
}

/// Every day's `hours_on(date)` in `tz` that overlaps `[from, to)`, clipped to it, sorted.
///
/// Local times that fall in a DST gap or fold are resolved to the narrower interval: an
/// opening time takes the later instant, a closing time the earlier, so the result never
/// includes a moment outside the local hours.
pub(crate) fn daily(
    tz: &TimeZone,
    from: Timestamp,
    to: Timestamp,
    hours_on: impl Fn(Date) -> Option<OpenHours>,
) -> Result<Vec<Interval>, jiff::Error> {
    // One day either side: a local day can start before `from` in UTC terms and still
    // overlap it.
    let mut day = from.to_zoned(tz.clone()).date().checked_sub(1.day())?;
    let last = to.to_zoned(tz.clone()).date().checked_add(1.day())?;
    let mut out = Vec::new();
    while day <= last {
        if let Some(hours) = hours_on(day) {
            let start = tz
                .to_ambiguous_timestamp(day.to_datetime(hours.open))
                .later()?;
            // `Time::MAX` closes at the next midnight, so an all-day calendar has no gap.
            let end = if hours.close == jiff::civil::Time::MAX {
                tz.to_ambiguous_timestamp(day.checked_add(1.day())?.to_datetime(Time::midnight()))
                    .earlier()?
            } else {
                tz.to_ambiguous_timestamp(day.to_datetime(hours.close))
                    .earlier()?
            };
            let clipped = Interval {
                start: start.max(from),
                end: end.min(to),
            };
            if clipped.start < clipped.end {
                out.push(clipped);
            }
        }
        day = day.checked_add(1.day())?;
    }
    Ok(normalize(out))
}

/// Sorts and merges overlapping or touching intervals, so each is maximal.
fn normalize(mut v: Vec<Interval>) -> Vec<Interval> {
    v.sort_by_key(|i| i.start);
    let mut out: Vec<Interval> = Vec::with_capacity(v.len());
    for i in v {
        match out.last_mut() {
            Some(last) if i.start <= last.end => last.end = last.end.max(i.end),
            _ => out.push(i),
        }
    }
    out
}

/// The instants in both `a` and `b` (each sorted and merged).
pub(crate) fn intersect(a: &[Interval], b: &[Interval]) -> Vec<Interval> {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        let start = a[i].start.max(b[j].start);
        let end = a[i].end.min(b[j].end);
        if start < end {
            out.push(Interval { start, end });
        }
        if a[i].end < b[j].end {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::time;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect(s)
    }

    fn iv(a: &str, b: &str) -> Interval {
        Interval {
            start: ts(a),
            end: ts(b),
        }
    }

    #[test]
    fn intersection_keeps_only_common_instants() {
        let a = [
            iv("2026-01-01T08:00Z", "2026-01-01T12:00Z"),
            iv("2026-01-01T13:00Z", "2026-01-01T18:00Z"),
        ];
        let b = [iv("2026-01-01T11:00Z", "2026-01-01T14:00Z")];
        assert_eq!(
            intersect(&a, &b),
            vec![
                iv("2026-01-01T11:00Z", "2026-01-01T12:00Z"),
                iv("2026-01-01T13:00Z", "2026-01-01T14:00Z"),
            ]
        );
        assert!(intersect(&a, &[]).is_empty());
    }

    #[test]
    fn touching_intervals_merge() {
        let v = normalize(vec![
            iv("2026-01-01T10:00Z", "2026-01-01T11:00Z"),
            iv("2026-01-01T08:00Z", "2026-01-01T10:00Z"),
        ]);
        assert_eq!(v, vec![iv("2026-01-01T08:00Z", "2026-01-01T11:00Z")]);
    }

    #[test]
    fn hours_in_a_dst_gap_or_fold_resolve_to_the_narrower_interval() {
        let tz = TimeZone::get("America/New_York").expect("tz");
        // 02:30 does not exist on 2026-03-08; 01:30 happens twice on 2026-11-01.
        let night = OpenHours::new(time(1, 30, 0, 0), time(2, 30, 0, 0)).expect("hours");
        let only = |d: Date| move |day: Date| (day == d).then_some(night);
        let spring = daily(
            &tz,
            ts("2026-03-07T00:00Z"),
            ts("2026-03-10T00:00Z"),
            only(jiff::civil::date(2026, 3, 8)),
        )
        .expect("spring");
        // Open 01:30 EST is 06:30Z; the missing 02:30 closes at its earlier reading, 06:30Z
        // too: the day's interval is dropped rather than stretched into the gap.
        assert!(spring.is_empty(), "{spring:?}");
        let autumn = daily(
            &tz,
            ts("2026-10-31T00:00Z"),
            ts("2026-11-03T00:00Z"),
            only(jiff::civil::date(2026, 11, 1)),
        )
        .expect("autumn");
        // Open at the second 01:30 (EST, 06:30Z), close 02:30 EST (07:30Z). The first 01:30
        // (EDT) is left out: between the two, local time goes back to 01:00.
        assert_eq!(autumn, vec![iv("2026-11-01T06:30Z", "2026-11-01T07:30Z")]);
    }
}
