//! Where callees are: state/province → zones, country → zones, and the NANP area-code table
//! (`nanp_area_codes.txt`). Every zone named here is checked against the tz database by tests.

use std::collections::HashMap;
use std::sync::OnceLock;

const NY: &str = "America/New_York";
const CHI: &str = "America/Chicago";
const DEN: &str = "America/Denver";
const PHX: &str = "America/Phoenix";
const LA: &str = "America/Los_Angeles";

/// US states, DC and territories (USPS codes) → every zone in force somewhere in them.
/// Split states list each zone; a state-level answer is then ambiguous, never a guess.
pub(crate) const US_STATES: &[(&str, &[&str])] = &[
    ("AL", &[CHI]),
    ("AK", &["America/Anchorage", "America/Adak"]),
    // The Navajo Nation observes DST; the rest of Arizona does not.
    ("AZ", &[PHX, DEN]),
    ("AR", &[CHI]),
    ("CA", &[LA]),
    ("CO", &[DEN]),
    ("CT", &[NY]),
    ("DE", &[NY]),
    ("DC", &[NY]),
    ("FL", &[NY, CHI]),
    ("GA", &[NY]),
    ("HI", &["Pacific/Honolulu"]),
    ("ID", &["America/Boise", LA]),
    ("IL", &[CHI]),
    ("IN", &["America/Indiana/Indianapolis", CHI]),
    ("IA", &[CHI]),
    ("KS", &[CHI, DEN]),
    ("KY", &["America/Kentucky/Louisville", CHI]),
    ("LA", &[CHI]),
    ("ME", &[NY]),
    ("MD", &[NY]),
    ("MA", &[NY]),
    ("MI", &["America/Detroit", "America/Menominee"]),
    ("MN", &[CHI]),
    ("MS", &[CHI]),
    ("MO", &[CHI]),
    ("MT", &[DEN]),
    ("NE", &[CHI, DEN]),
    // West Wendover is officially on Mountain time.
    ("NV", &[LA, DEN]),
    ("NH", &[NY]),
    ("NJ", &[NY]),
    ("NM", &[DEN]),
    ("NY", &[NY]),
    ("NC", &[NY]),
    ("ND", &[CHI, DEN]),
    ("OH", &[NY]),
    ("OK", &[CHI]),
    ("OR", &[LA, "America/Boise"]),
    ("PA", &[NY]),
    ("RI", &[NY]),
    ("SC", &[NY]),
    ("SD", &[CHI, DEN]),
    ("TN", &[NY, CHI]),
    ("TX", &[CHI, DEN]),
    ("UT", &[DEN]),
    ("VT", &[NY]),
    ("VA", &[NY]),
    ("WA", &[LA]),
    ("WV", &[NY]),
    ("WI", &[CHI]),
    ("WY", &[DEN]),
    ("PR", &["America/Puerto_Rico"]),
    ("VI", &["America/St_Thomas"]),
    ("GU", &["Pacific/Guam"]),
    ("AS", &["Pacific/Pago_Pago"]),
    ("MP", &["Pacific/Saipan"]),
];

/// Canadian provinces and territories (Canada Post codes) → zones in force in them.
pub(crate) const CA_PROVINCES: &[(&str, &[&str])] = &[
    ("AB", &["America/Edmonton"]),
    // Peace River and Fort Nelson keep MST all year; the East Kootenays are on Mountain time.
    (
        "BC",
        &[
            "America/Vancouver",
            "America/Edmonton",
            "America/Dawson_Creek",
            "America/Fort_Nelson",
            "America/Creston",
        ],
    ),
    ("MB", &["America/Winnipeg"]),
    ("NB", &["America/Moncton"]),
    ("NL", &["America/St_Johns", "America/Goose_Bay"]),
    ("NS", &["America/Halifax"]),
    // Northwestern Ontario is on Central time; Atikokan keeps EST all year.
    (
        "ON",
        &["America/Toronto", "America/Winnipeg", "America/Atikokan"],
    ),
    ("PE", &["America/Halifax"]),
    // The Lower North Shore keeps AST all year; the Magdalen Islands are on Atlantic time.
    (
        "QC",
        &["America/Toronto", "America/Blanc-Sablon", "America/Halifax"],
    ),
    // Most of Saskatchewan keeps CST all year; Lloydminster follows Alberta, Creighton Manitoba.
    (
        "SK",
        &["America/Regina", "America/Edmonton", "America/Winnipeg"],
    ),
    ("YT", &["America/Whitehorse"]),
    ("NT", &["America/Yellowknife"]),
    (
        "NU",
        &[
            "America/Iqaluit",
            "America/Rankin_Inlet",
            "America/Cambridge_Bay",
            "America/Atikokan",
        ],
    ),
];

/// Subdivision names as people write them (matched case- and accent-insensitively after
/// the caller's text is normalised), by country and code.
pub(crate) const SUBDIVISION_NAMES: &[(&str, &str, &str)] = &[
    ("US", "AL", "ALABAMA"),
    ("US", "AK", "ALASKA"),
    ("US", "AZ", "ARIZONA"),
    ("US", "AR", "ARKANSAS"),
    ("US", "CA", "CALIFORNIA"),
    ("US", "CO", "COLORADO"),
    ("US", "CT", "CONNECTICUT"),
    ("US", "DE", "DELAWARE"),
    ("US", "DC", "DISTRICT OF COLUMBIA"),
    ("US", "DC", "WASHINGTON DC"),
    ("US", "FL", "FLORIDA"),
    ("US", "GA", "GEORGIA"),
    ("US", "HI", "HAWAII"),
    ("US", "ID", "IDAHO"),
    ("US", "IL", "ILLINOIS"),
    ("US", "IN", "INDIANA"),
    ("US", "IA", "IOWA"),
    ("US", "KS", "KANSAS"),
    ("US", "KY", "KENTUCKY"),
    ("US", "LA", "LOUISIANA"),
    ("US", "ME", "MAINE"),
    ("US", "MD", "MARYLAND"),
    ("US", "MA", "MASSACHUSETTS"),
    ("US", "MI", "MICHIGAN"),
    ("US", "MN", "MINNESOTA"),
    ("US", "MS", "MISSISSIPPI"),
    ("US", "MO", "MISSOURI"),
    ("US", "MT", "MONTANA"),
    ("US", "NE", "NEBRASKA"),
    ("US", "NV", "NEVADA"),
    ("US", "NH", "NEW HAMPSHIRE"),
    ("US", "NJ", "NEW JERSEY"),
    ("US", "NM", "NEW MEXICO"),
    ("US", "NY", "NEW YORK"),
    ("US", "NC", "NORTH CAROLINA"),
    ("US", "ND", "NORTH DAKOTA"),
    ("US", "OH", "OHIO"),
    ("US", "OK", "OKLAHOMA"),
    ("US", "OR", "OREGON"),
    ("US", "PA", "PENNSYLVANIA"),
    ("US", "RI", "RHODE ISLAND"),
    ("US", "SC", "SOUTH CAROLINA"),
    ("US", "SD", "SOUTH DAKOTA"),
    ("US", "TN", "TENNESSEE"),
    ("US", "TX", "TEXAS"),
    ("US", "UT", "UTAH"),
    ("US", "VT", "VERMONT"),
    ("US", "VA", "VIRGINIA"),
    ("US", "WA", "WASHINGTON"),
    ("US", "WV", "WEST VIRGINIA"),
    ("US", "WI", "WISCONSIN"),
    ("US", "WY", "WYOMING"),
    ("US", "PR", "PUERTO RICO"),
    ("US", "VI", "US VIRGIN ISLANDS"),
    ("US", "VI", "VIRGIN ISLANDS"),
    ("US", "GU", "GUAM"),
    ("US", "AS", "AMERICAN SAMOA"),
    ("US", "MP", "NORTHERN MARIANA ISLANDS"),
    ("CA", "AB", "ALBERTA"),
    ("CA", "BC", "BRITISH COLUMBIA"),
    ("CA", "BC", "COLOMBIE-BRITANNIQUE"),
    ("CA", "MB", "MANITOBA"),
    ("CA", "NB", "NEW BRUNSWICK"),
    ("CA", "NB", "NOUVEAU-BRUNSWICK"),
    ("CA", "NL", "NEWFOUNDLAND AND LABRADOR"),
    ("CA", "NL", "NEWFOUNDLAND"),
    ("CA", "NL", "TERRE-NEUVE-ET-LABRADOR"),
    ("CA", "NS", "NOVA SCOTIA"),
    ("CA", "NS", "NOUVELLE-ECOSSE"),
    ("CA", "ON", "ONTARIO"),
    ("CA", "PE", "PRINCE EDWARD ISLAND"),
    ("CA", "PE", "PEI"),
    ("CA", "PE", "ILE-DU-PRINCE-EDOUARD"),
    ("CA", "QC", "QUEBEC"),
    ("CA", "SK", "SASKATCHEWAN"),
    ("CA", "YT", "YUKON"),
    ("CA", "NT", "NORTHWEST TERRITORIES"),
    ("CA", "NT", "TERRITOIRES DU NORD-OUEST"),
    ("CA", "NU", "NUNAVUT"),
];

/// Country names as people write them, to ISO 3166-1 alpha-2.
pub(crate) const COUNTRY_NAMES: &[(&str, &str)] = &[
    ("US", "UNITED STATES"),
    ("US", "UNITED STATES OF AMERICA"),
    ("US", "USA"),
    ("CA", "CANADA"),
    ("GB", "UNITED KINGDOM"),
    ("GB", "UK"),
    ("GB", "GREAT BRITAIN"),
    ("GB", "ENGLAND"),
    ("GB", "SCOTLAND"),
    ("GB", "WALES"),
    ("GB", "NORTHERN IRELAND"),
    ("IE", "IRELAND"),
    ("IE", "EIRE"),
    ("ES", "SPAIN"),
    ("ES", "ESPANA"),
    ("MX", "MEXICO"),
    ("PR", "PUERTO RICO"),
];

/// A country known well enough to give its callee zones without an address.
pub(crate) struct Country {
    pub iso: &'static str,
    /// The calling-hours region: US territories fall under US federal rules.
    pub region: &'static str,
    pub zones: &'static [&'static str],
}

/// Countries whose zones can be given from the number alone. Multi-zone countries list every
/// zone. Anything else needs the callee's address or stated zone.
pub(crate) const COUNTRIES: &[Country] = &[
    Country {
        iso: "US",
        region: "US",
        zones: &[
            NY,
            CHI,
            DEN,
            PHX,
            LA,
            "America/Anchorage",
            "America/Adak",
            "Pacific/Honolulu",
        ],
    },
    Country {
        iso: "CA",
        region: "CA",
        zones: &[
            "America/St_Johns",
            "America/Halifax",
            "America/Blanc-Sablon",
            "America/Toronto",
            "America/Atikokan",
            "America/Winnipeg",
            "America/Regina",
            "America/Edmonton",
            "America/Dawson_Creek",
            "America/Vancouver",
            "America/Whitehorse",
        ],
    },
    Country {
        iso: "GB",
        region: "GB",
        zones: &["Europe/London"],
    },
    Country {
        iso: "IE",
        region: "IE",
        zones: &["Europe/Dublin"],
    },
    Country {
        iso: "ES",
        region: "ES",
        zones: &["Europe/Madrid", "Africa/Ceuta", "Atlantic/Canary"],
    },
    Country {
        iso: "MX",
        region: "MX",
        zones: &[
            "America/Mexico_City",
            "America/Cancun",
            "America/Merida",
            "America/Monterrey",
            "America/Matamoros",
            "America/Chihuahua",
            "America/Ciudad_Juarez",
            "America/Ojinaga",
            "America/Mazatlan",
            "America/Bahia_Banderas",
            "America/Hermosillo",
            "America/Tijuana",
        ],
    },
    Country {
        iso: "PR",
        region: "US-PR",
        zones: &["America/Puerto_Rico"],
    },
    Country {
        iso: "VI",
        region: "US-VI",
        zones: &["America/St_Thomas"],
    },
    Country {
        iso: "GU",
        region: "US-GU",
        zones: &["Pacific/Guam"],
    },
    Country {
        iso: "AS",
        region: "US-AS",
        zones: &["Pacific/Pago_Pago"],
    },
    Country {
        iso: "MP",
        region: "US-MP",
        zones: &["Pacific/Saipan"],
    },
];

pub(crate) fn country(iso: &str) -> Option<&'static Country> {
    COUNTRIES.iter().find(|c| c.iso.eq_ignore_ascii_case(iso))
}

/// Zones of a US state or Canadian province, by country and subdivision code.
pub(crate) fn subdivision(country: &str, code: &str) -> Option<&'static [&'static str]> {
    let table = match country {
        "US" => US_STATES,
        "CA" => CA_PROVINCES,
        _ => return None,
    };
    table
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code))
        .map(|(_, zones)| *zones)
}

/// One line of `nanp_area_codes.txt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AreaCode {
    /// `US-XX`, `CA-XX`, or a bare country when the code spans provinces.
    pub region: &'static str,
    /// The code's own zones; empty means "every zone of the region".
    pub zones: Vec<&'static str>,
}

const AREA_CODE_DATA: &str = include_str!("nanp_area_codes.txt");

pub(crate) fn area_code(code: &str) -> Option<&'static AreaCode> {
    static TABLE: OnceLock<HashMap<&'static str, AreaCode>> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            // Proven invariant: the embedded file is fixed at build time and the tests parse
            // and check every line of it.
            parse_area_codes(AREA_CODE_DATA).expect("nanp_area_codes.txt is checked by tests")
        })
        .get(code)
}

/// Every area code in the table.
#[cfg(test)]
pub(crate) fn area_codes() -> Vec<&'static str> {
    let mut codes: Vec<&str> = parse_area_codes(AREA_CODE_DATA)
        .expect("table parses")
        .into_keys()
        .collect();
    codes.sort_unstable();
    codes
}

pub(crate) fn parse_area_codes(
    text: &'static str,
) -> Result<HashMap<&'static str, AreaCode>, String> {
    let mut table = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = line.split_whitespace();
        let (Some(code), Some(region)) = (fields.next(), fields.next()) else {
            return Err(format!("line {}: expected `CODE REGION [ZONE ...]`", n + 1));
        };
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "line {}: area code `{code}` is not 3 digits",
                n + 1
            ));
        }
        let zones: Vec<&'static str> = fields.collect();
        let known_region = match region.split_once('-') {
            Some((country, sub)) => subdivision(country, sub).is_some(),
            None => !zones.is_empty(),
        };
        if !known_region {
            return Err(format!(
                "line {}: region `{region}` is not a US state or Canadian province \
                 (a bare country must list zones)",
                n + 1
            ));
        }
        if table.insert(code, AreaCode { region, zones }).is_some() {
            return Err(format!("line {}: area code {code} listed twice", n + 1));
        }
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::tz::TimeZone;
    use std::collections::BTreeSet;

    fn all_zones() -> BTreeSet<&'static str> {
        let mut zones: BTreeSet<&str> = US_STATES
            .iter()
            .chain(CA_PROVINCES)
            .flat_map(|(_, z)| z.iter().copied())
            .collect();
        zones.extend(COUNTRIES.iter().flat_map(|c| c.zones.iter().copied()));
        let table = parse_area_codes(AREA_CODE_DATA).expect("table parses");
        zones.extend(table.values().flat_map(|a| a.zones.iter().copied()));
        zones
    }

    #[test]
    fn every_zone_named_is_in_the_tz_database() {
        for zone in all_zones() {
            assert!(
                TimeZone::get(zone).is_ok(),
                "{zone} is not a tz database name"
            );
        }
    }

    #[test]
    fn the_embedded_area_code_table_parses_and_covers_every_state_and_province() {
        let table = parse_area_codes(AREA_CODE_DATA).expect("table parses");
        assert!(table.len() > 400, "only {} area codes", table.len());
        let regions: BTreeSet<&str> = table.values().map(|a| a.region).collect();
        // Territories dial as their own NANP countries; everything else needs a code.
        let territories = ["PR", "VI", "GU", "AS", "MP"];
        for (state, _) in US_STATES.iter().filter(|(s, _)| !territories.contains(s)) {
            assert!(
                regions.contains(format!("US-{state}").as_str()),
                "no code for {state}"
            );
        }
        // YT, NT, NU share 867; NS and PE share 782 and 902: listed under the bare country.
        for (prov, _) in CA_PROVINCES
            .iter()
            .filter(|(p, _)| !["YT", "NT", "NU", "NS", "PE"].contains(p))
        {
            assert!(
                regions.contains(format!("CA-{prov}").as_str()),
                "no code for {prov}"
            );
        }
    }

    #[test]
    fn a_code_that_narrows_its_state_names_only_zones_of_that_state() {
        let table = parse_area_codes(AREA_CODE_DATA).expect("table parses");
        for (code, entry) in &table {
            let Some((country, sub)) = entry.region.split_once('-') else {
                continue;
            };
            let state = subdivision(country, sub).expect("region checked by parser");
            for zone in &entry.zones {
                assert!(
                    state.contains(zone),
                    "{code}: {zone} is not a zone of {sub}"
                );
            }
        }
    }

    #[test]
    fn known_codes_map_as_expected() {
        let cases = [
            ("212", "US-NY", vec![]),
            ("305", "US-FL", vec![NY]),
            ("850", "US-FL", vec![]),
            ("214", "US-TX", vec![CHI]),
            ("915", "US-TX", vec![]),
            ("317", "US-IN", vec!["America/Indiana/Indianapolis"]),
            ("219", "US-IN", vec![]),
            ("416", "CA-ON", vec!["America/Toronto"]),
            ("902", "CA", vec!["America/Halifax"]),
        ];
        for (code, region, zones) in cases {
            let entry = area_code(code).expect(code);
            assert_eq!((entry.region, &entry.zones), (region, &zones), "{code}");
        }
        assert_eq!(area_code("800"), None, "toll-free is not geographic");
    }

    #[test]
    fn malformed_lines_are_rejected_with_their_line_number() {
        for (text, needle) in [
            ("201\n", "line 1"),
            ("# c\n20 US-NJ\n", "line 2: area code `20`"),
            ("201 US-XX\n", "region `US-XX`"),
            ("201 US\n", "bare country must list zones"),
            ("201 US-NJ\n201 US-NJ\n", "listed twice"),
        ] {
            let err = parse_area_codes(text).expect_err(text);
            assert!(err.contains(needle), "{text:?}: {err}");
        }
    }
}
