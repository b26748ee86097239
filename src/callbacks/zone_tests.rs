use super::*;

fn number(n: &str) -> CallbackNumber {
    CallbackNumber::parse(n, "US").expect(n)
}

fn addr(country: &str, sub: Option<&str>) -> Address {
    Address {
        country: country.into(),
        subdivision: sub.map(str::to_string),
    }
}

#[test]
fn table_of_callees() {
    // (number, address, expected zones, region, source)
    type Case = (
        &'static str,
        Option<Address>,
        &'static [&'static str],
        &'static str,
        ZoneSource,
    );
    let cases: Vec<Case> = vec![
        (
            "+1 212 555 0142",
            None,
            &["America/New_York"],
            "US-NY",
            ZoneSource::AreaCode,
        ),
        (
            "+1 305 555 0142",
            None,
            &["America/New_York"],
            "US-FL",
            ZoneSource::AreaCode,
        ),
        // Florida panhandle: west of the Apalachicola is Central.
        (
            "+1 850 555 0142",
            None,
            &["America/New_York", "America/Chicago"],
            "US-FL",
            ZoneSource::AreaCode,
        ),
        // Texas: El Paso is Mountain.
        (
            "+1 915 555 0142",
            None,
            &["America/Chicago", "America/Denver"],
            "US-TX",
            ZoneSource::AreaCode,
        ),
        (
            "+1 812 555 0142",
            None,
            &["America/Indiana/Indianapolis", "America/Chicago"],
            "US-IN",
            ZoneSource::AreaCode,
        ),
        // Address beats area code: a New York mobile whose owner lives in Florida.
        (
            "+1 212 555 0142",
            Some(addr("US", Some("fl"))),
            &["America/New_York", "America/Chicago"],
            "US-FL",
            ZoneSource::Address,
        ),
        (
            "+1 212 555 0142",
            Some(addr("us", Some("CA"))),
            &["America/Los_Angeles"],
            "US-CA",
            ZoneSource::Address,
        ),
        (
            "+44 20 7183 8750",
            None,
            &["Europe/London"],
            "GB",
            ZoneSource::Country,
        ),
        (
            "+1 787 555 0142",
            None,
            &["America/Puerto_Rico"],
            "US-PR",
            ZoneSource::Country,
        ),
        (
            "+1 416 555 0142",
            None,
            &["America/Toronto"],
            "CA-ON",
            ZoneSource::AreaCode,
        ),
    ];
    for (n, address, zones, region, source) in cases {
        let got = CalleeZones::resolve(address.as_ref(), &number(n)).expect(n);
        assert_eq!(got.zones, zones, "{n}");
        assert_eq!(got.region, region, "{n}");
        assert_eq!(got.source, source, "{n}");
        assert_eq!(got.is_ambiguous(), zones.len() > 1, "{n}");
        assert_eq!(got.time_zones().expect("zones exist").len(), zones.len());
    }
}

#[test]
fn toll_free_numbers_fall_back_to_every_zone_of_the_country() {
    let got = CalleeZones::from_number(&number("+1 800 555 0142")).expect("toll-free");
    assert_eq!(got.source, ZoneSource::Country);
    assert_eq!(got.region, "US");
    assert!(got.zones.contains(&"Pacific/Honolulu".to_string()));
    assert!(got.zones.contains(&"America/New_York".to_string()));
}

#[test]
fn a_country_without_a_zone_table_asks_for_address_or_zone() {
    // Bahamas: a NANP number, but not US or Canada.
    let err = CalleeZones::from_number(&number("+1 242 357 1234")).expect_err("no table");
    assert_eq!(
        err,
        ZoneError::UnknownNumber {
            country_code: 1,
            region: Some("BS".into())
        }
    );
    assert!(err
        .to_string()
        .starts_with("cannot tell the callee's time zone; give their address or zone"));
    let fr = CalleeZones::from_number(&number("+33 1 42 68 53 00")).expect_err("france");
    assert!(matches!(
        fr,
        ZoneError::UnknownNumber {
            country_code: 33,
            ..
        }
    ));
}

#[test]
fn address_errors_name_the_field() {
    let err = CalleeZones::from_address(&addr("US", Some("ZZ"))).expect_err("bad state");
    assert!(
        err.to_string().starts_with("address.subdivision `ZZ`"),
        "{err}"
    );
    let err = CalleeZones::from_address(&addr("FR", None)).expect_err("no table");
    assert!(err.to_string().starts_with("address.country `FR`"), "{err}");
    // A country with a table but no state: every zone of the country.
    let us = CalleeZones::from_address(&addr("US", None)).expect("us");
    assert_eq!((us.region.as_str(), us.source), ("US", ZoneSource::Address));
    assert!(us.is_ambiguous());
}

#[test]
fn a_blank_address_is_no_address() {
    let blank = addr(" ", None);
    let got = CalleeZones::resolve(Some(&blank), &number("+1 212 555 0142")).expect("zones");
    assert_eq!(
        (got.region.as_str(), got.source),
        ("US-NY", ZoneSource::AreaCode)
    );
}

#[test]
fn a_state_without_a_country_takes_the_numbers_country() {
    let florida = addr(" ", Some("FL"));
    let got = CalleeZones::resolve(Some(&florida), &number("+1 212 555 0142")).expect("zones");
    assert_eq!(
        (got.region.as_str(), got.source),
        ("US-FL", ZoneSource::Address)
    );
}

#[test]
fn a_stated_zone_must_exist() {
    let ok = CalleeZones::stated("Europe/Paris", "fr").expect("paris");
    assert_eq!((ok.region.as_str(), ok.source), ("FR", ZoneSource::Stated));
    let err = CalleeZones::stated("Mars/Olympus_Mons", "US").expect_err("no such zone");
    assert_eq!(err, ZoneError::UnknownZone("Mars/Olympus_Mons".into()));
    assert_eq!(CalleeZones::stated("UTC", " "), Err(ZoneError::EmptyRegion));
}
