//! A property test over generated commitments: every window is lawful at every place the
//! callee may be, checked in local time against each place's own rules (not the
//! intersection the window code builds), and every commitment without a window says why.
//!
//! Seeded, so a failure replays: the seed and the commitment are in the message.

use jiff::civil::{date, Date};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use super::hours::{CallingHoursTable, OpenHours};
use super::number::CallbackNumber;
use super::tables::{self, SUBDIVISION_NAMES};
use super::zone::{Address, CalleeZones};
use super::{commit_window, BusinessCalendar, Policy, WindowError};

const COMMITMENTS: usize = 100_000;
const SEED: u64 = 0x17_ca11_bac5;

/// A place the callee may be: a zone under a region's rules.
#[derive(Debug, Clone)]
struct Place {
    zone: String,
    region: String,
}

/// Where a generated number rings, as the generator knows it (`None`: nowhere known).
struct Numbered {
    number: CallbackNumber,
    places: Option<Vec<Place>>,
}

fn places_of(zones: &[&str], region: &str) -> Vec<Place> {
    zones
        .iter()
        .map(|z| Place {
            zone: z.to_string(),
            region: region.to_string(),
        })
        .collect()
}

/// A pool of numbers: split-state and single-zone area codes, every NANP code in the
/// table at least once, and non-US numbers with and without known rules.
fn numbers(rng: &mut StdRng) -> Vec<Numbered> {
    let mut out = Vec::new();
    for code in tables::area_codes() {
        let exchange = rng.gen_range(2..10) * 100 + rng.gen_range(20..100);
        let input = format!("+1 {code} {exchange} {:04}", rng.gen_range(0..10_000));
        let number = CallbackNumber::parse(&input, "US").expect(&input);
        let entry = tables::area_code(code).expect("in the table");
        let zones: Vec<&str> = if entry.zones.is_empty() {
            let (country, sub) = entry.region.split_once('-').expect("bare needs zones");
            tables::subdivision(country, sub).expect("known").to_vec()
        } else {
            entry.zones.clone()
        };
        out.push(Numbered {
            number,
            places: Some(places_of(&zones, entry.region)),
        });
    }
    type Abroad = (
        &'static str,
        Option<(&'static str, &'static [&'static str])>,
    );
    let abroad: [Abroad; 8] = [
        ("+44 20 7183 8750", Some(("GB", &["Europe/London"]))),
        ("+44 161 496 0000", Some(("GB", &["Europe/London"]))),
        ("+353 1 234 5678", Some(("IE", &["Europe/Dublin"]))),
        ("+353 21 123 4567", Some(("IE", &["Europe/Dublin"]))),
        (
            "+34 912 345 678",
            Some(("ES", &["Europe/Madrid", "Africa/Ceuta", "Atlantic/Canary"])),
        ),
        (
            "+52 55 1234 5678",
            Some(("MX", tables::country("MX").expect("mx").zones)),
        ),
        ("+61 2 9374 4000", None),
        ("+33 1 42 68 53 00", None),
    ];
    for (input, known) in abroad {
        let number = CallbackNumber::parse(input, "US").expect(input);
        out.push(Numbered {
            number,
            places: known.map(|(region, zones)| places_of(zones, region)),
        });
    }
    out
}

/// An address in one of the forms people type, the places it names, and its country when
/// it names only a country.
fn address(rng: &mut StdRng) -> (Address, Vec<Place>, Option<&'static str>) {
    let pick = rng.gen_range(0..10);
    if pick < 7 {
        let (country, code, name) = *SUBDIVISION_NAMES.choose(rng).expect("names");
        let zones = tables::subdivision(country, code).expect("known");
        let country_name = match country {
            "US" => ["US", "us", "United States", "USA", ""],
            _ => ["CA", "ca", "Canada", "CANADA", ""],
        };
        let sub = match rng.gen_range(0..5) {
            0 => code.to_string(),
            1 => code.to_ascii_lowercase(),
            2 => format!("{country}-{code}"),
            3 => name.to_string(),
            _ => title_case(name),
        };
        let address = Address {
            country: country_name.choose(rng).expect("forms").to_string(),
            subdivision: Some(format!(" {sub} ")),
        };
        (
            address,
            places_of(zones, &format!("{country}-{code}")),
            None,
        )
    } else {
        let (text, iso) = *[
            ("GB", "GB"),
            ("Ireland", "IE"),
            ("Spain", "ES"),
            ("mexico", "MX"),
            ("CANADA", "CA"),
            ("United States", "US"),
        ]
        .choose(rng)
        .expect("countries");
        let known = tables::country(iso).expect("known");
        let address = Address {
            country: text.to_string(),
            subdivision: None,
        };
        (address, places_of(known.zones, known.region), Some(iso))
    }
}

fn title_case(name: &str) -> String {
    name.split(' ')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_string() + &c.as_str().to_ascii_lowercase())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Days around DST changes (US and EU), holidays of every calendar, and ordinary days.
fn days() -> Vec<Date> {
    let mut days = vec![
        date(2026, 3, 8),
        date(2026, 3, 29),
        date(2026, 10, 25),
        date(2026, 11, 1),
        date(2026, 1, 1),
        date(2026, 2, 2),
        date(2026, 3, 17),
        date(2026, 4, 3),
        date(2026, 5, 18),
        date(2026, 7, 3),
        date(2026, 9, 16),
        date(2026, 10, 12),
        date(2026, 11, 26),
        date(2026, 12, 24),
        date(2026, 12, 31),
        date(2027, 3, 14),
        date(2027, 6, 19),
    ];
    let around: Vec<Date> = days
        .iter()
        .flat_map(|d| [d.checked_sub(1.day()), d.checked_add(1.day())])
        .flatten()
        .collect();
    days.extend(around);
    days
}

fn teams() -> Vec<(&'static str, BusinessCalendar)> {
    let hours = |o: i8, c: i8| Some(OpenHours::hm((o, 0), (c, 0)));
    let chicago = BusinessCalendar::new(
        "America/Chicago",
        [
            hours(7, 21),
            hours(7, 21),
            hours(7, 21),
            hours(7, 21),
            hours(7, 21),
            hours(9, 17),
            None,
        ],
        [date(2026, 11, 26), date(2026, 12, 25)],
    )
    .expect("chicago");
    let london = BusinessCalendar::new("Europe/London", [hours(8, 20); 7], [date(2026, 12, 25)])
        .expect("london");
    let always = BusinessCalendar::new("UTC", [Some(OpenHours::all_day()); 7], []).expect("utc");
    vec![("chicago", chicago), ("london", london), ("always", always)]
}

#[test]
fn no_window_is_ever_outside_the_hours_of_any_place_the_callee_may_be() {
    let mut rng = StdRng::seed_from_u64(SEED);
    let pool = numbers(&mut rng);
    let days = days();
    let teams = teams();
    let table = CallingHoursTable::default();
    let (mut windows, mut refused, mut multi_place) = (0usize, 0usize, 0usize);
    for i in 0..COMMITMENTS {
        let numbered = pool.choose(&mut rng).expect("pool");
        let (address, address_places, country_only) = match rng.gen_range(0..3) {
            0 => (None, Vec::new(), None),
            _ => {
                let (a, p, c) = address(&mut rng);
                (Some(a), p, c)
            }
        };
        let day = *days.choose(&mut rng).expect("days");
        let now = day
            .to_zoned(TimeZone::UTC)
            .expect("day")
            .timestamp()
            .checked_add(SignedDuration::from_mins(rng.gen_range(0..24 * 60)))
            .expect("now");
        let (team_name, team) = teams.choose(&mut rng).expect("teams");
        let policy = Policy {
            business_minutes: *[30, 120, 240, 1440].choose(&mut rng).expect("policy"),
            min_window_minutes: 15,
        };
        let case = format!(
            "seed {SEED:#x} case {i}: {} {address:?} at {now} team {team_name} {policy:?}",
            numbered.number.e164()
        );
        let outcome = CalleeZones::resolve(address.as_ref(), &numbered.number)
            .map_err(WindowError::from)
            .and_then(|callee| commit_window(now, policy, &callee, &table, team));
        let Some(number_places) = &numbered.places else {
            // The number rings where Escalator knows no zone or law: never a window.
            let err = outcome.expect_err(&case);
            assert!(!err.to_string().is_empty(), "{case}");
            refused += 1;
            continue;
        };
        let mut places = number_places.clone();
        // An address naming only the number's own country adds no place (zone.rs).
        if country_only.is_none() || country_only != numbered.number.region() {
            places.extend(address_places);
        }
        match outcome {
            Ok(w) => {
                windows += 1;
                multi_place += usize::from(places.len() > 1);
                assert!(w.start >= now && w.end <= w.deadline, "{case}: {w:?}");
                assert!(
                    w.end.duration_since(w.start) >= SignedDuration::from_mins(15),
                    "{case}: {w:?}"
                );
                for place in &places {
                    let rules = table.for_region(&place.region).expect(&case);
                    inside(w.start, w.end, &place.zone, |d| rules.on(d))
                        .unwrap_or_else(|e| panic!("{case}: {place:?}: {e}"));
                }
                if *team_name != "always" {
                    inside(w.start, w.end, team.zone_name(), |d| team.hours_on(d))
                        .unwrap_or_else(|e| panic!("{case}: team: {e}"));
                }
            }
            Err(e) => {
                // Windowless commitments are escalated at once with this sentence as why.
                assert!(e.to_string().len() > 20, "{case}: {e:?}");
                refused += 1;
            }
        }
    }
    assert!(windows > COMMITMENTS / 4, "only {windows} windows");
    assert!(refused > COMMITMENTS / 20, "only {refused} refused");
    assert!(
        multi_place > COMMITMENTS / 10,
        "only {multi_place} multi-place"
    );
}

/// `[start, end)` read in `zone` is one local day's stretch inside `hours_on` that day.
fn inside(
    start: Timestamp,
    end: Timestamp,
    zone: &str,
    hours_on: impl Fn(Date) -> Option<OpenHours>,
) -> Result<(), String> {
    let tz = TimeZone::get(zone).map_err(|e| e.to_string())?;
    let (s, e) = (start.to_zoned(tz.clone()), end.to_zoned(tz));
    let hours = hours_on(s.date()).ok_or_else(|| format!("{zone}: closed on {s}"))?;
    if s.time() < hours.open {
        return Err(format!("{zone}: {s} before {}", hours.open));
    }
    if !(e.date() == s.date() && e.time() <= hours.close) {
        return Err(format!("{zone}: {e} after {}", hours.close));
    }
    Ok(())
}
