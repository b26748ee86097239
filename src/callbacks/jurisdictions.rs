//! The built-in calling-hours table: what each jurisdiction's law allows, callee-local.
//! Sources, and which rules could not be confirmed against the statute text, are in
//! docs/callbacks.md ("Calling hours"). A subdivision is always held to its country's rules
//! as well ([`super::CallingHoursTable::for_region`]), so a state lists only what it adds.

use super::holidays::HolidayCalendar;
use super::hours::{CallingRules, OpenHours};

const fn h(open: i8, close: i8) -> Option<OpenHours> {
    Some(OpenHours::hm((open, 0), (close, 0)))
}

/// Region → rules. `US`, `CA` and the countries are whole-country rules; `US-XX` are states.
pub(crate) fn builtin() -> Vec<(&'static str, CallingRules)> {
    use HolidayCalendar as Cal;
    let every = CallingRules::every_day;
    let eight_to_eight = || every(OpenHours::hm((8, 0), (20, 0)));
    // Monday to Saturday only, closed on Sundays and legal holidays.
    let no_sunday = |open: i8, close: i8| CallingRules::week(h(open, close), h(open, close), None);
    vec![
        // TCPA 47 CFR 64.1200(c)(1); TSR 16 CFR 310.4(c); Reg F 12 CFR 1006.6(b)(1).
        ("US", every(OpenHours::hm((8, 0), (21, 0)))),
        ("US-FL", eight_to_eight()),
        ("US-WA", eight_to_eight()),
        ("US-MA", eight_to_eight()),
        ("US-MD", eight_to_eight()),
        ("US-OK", eight_to_eight()),
        ("US-CT", every(OpenHours::hm((9, 0), (20, 0)))),
        ("US-NV", every(OpenHours::hm((9, 0), (20, 0)))),
        ("US-MI", every(OpenHours::hm((9, 0), (21, 0)))),
        ("US-MN", every(OpenHours::hm((9, 0), (21, 0)))),
        ("US-NM", every(OpenHours::hm((9, 0), (21, 0)))),
        ("US-KY", every(OpenHours::hm((10, 0), (21, 0)))),
        ("US-TX", CallingRules::week(h(9, 21), h(9, 21), h(12, 21))),
        (
            "US-RI",
            CallingRules::week(h(9, 18), h(10, 17), None).closed_on(Cal::Us),
        ),
        ("US-AL", no_sunday(8, 20).closed_on(Cal::Us)),
        ("US-LA", no_sunday(8, 20).closed_on(Cal::Us)),
        ("US-MS", no_sunday(8, 20).closed_on(Cal::Us)),
        ("US-UT", no_sunday(8, 21).closed_on(Cal::Us)),
        (
            "US-PA",
            every(OpenHours::hm((8, 0), (21, 0))).closed_on(Cal::Us),
        ),
        // CRTC Unsolicited Telecommunications Rules, Part III (Telemarketing Rules).
        (
            "CA",
            CallingRules::week(Some(OpenHours::hm((9, 0), (21, 30))), h(10, 18), h(10, 18)),
        ),
        // No statutory hours; FCA CONC 7.9.4R "unreasonable times": Escalator's default.
        ("GB", every(OpenHours::hm((8, 0), (21, 0)))),
        // Central Bank of Ireland Consumer Protection Code 2012, provision 3.44(d).
        ("IE", no_sunday(9, 21).closed_on(Cal::Ie)),
        // TRLGDCU (RDL 1/2007) art. 96.3 as amended: 09:00–21:00, not weekends or holidays.
        (
            "ES",
            CallingRules::week(h(9, 21), None, None).closed_on(Cal::Es),
        ),
        // No statute confirmed: Escalator's conservative default for Mexico.
        ("MX", no_sunday(9, 20).closed_on(Cal::Mx)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_open_some_day_and_inside_the_federal_or_national_floor() {
        let table = builtin();
        for (region, rules) in &table {
            assert!(rules.ever_open(), "{region}");
            let Some((country, _)) = region.split_once('-') else {
                continue;
            };
            let (_, floor) = table
                .iter()
                .find(|(r, _)| r == &country)
                .unwrap_or_else(|| panic!("{region}: no country rule"));
            assert!(floor.intersect(rules).ever_open(), "{region}");
        }
    }

    #[test]
    fn the_conservative_default_is_inside_every_weekday_rule() {
        let default = CallingRules::conservative_default();
        for (region, rules) in builtin() {
            assert_eq!(
                rules.intersect(&default).weekdays,
                default.weekdays,
                "{region}"
            );
        }
    }
}
