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
        // A New York mobile whose owner lives in Florida: either place, both laws.
        (
            "+1 212 555 0142",
            Some(addr("US", Some("fl"))),
            &["America/New_York", "America/Chicago"],
            "US-NY US-FL",
            ZoneSource::Address,
        ),
        (
            "+1 212 555 0142",
            Some(addr("us", Some("CA"))),
            &["America/New_York", "America/Los_Angeles"],
            "US-NY US-CA",
            ZoneSource::Address,
        ),
        // Spelled out, lower case, ISO 3166-2, accented, without a country.
        (
            "+1 212 555 0142",
            Some(addr("", Some("arizona"))),
            &["America/New_York", "America/Phoenix", "America/Denver"],
            "US-NY US-AZ",
            ZoneSource::Address,
        ),
        (
            "+1 212 555 0142",
            Some(addr("United States", Some("Hawaii"))),
            &["America/New_York", "Pacific/Honolulu"],
            "US-NY US-HI",
            ZoneSource::Address,
        ),
        (
            "+1 212 555 0142",
            Some(addr("", Some("US-HI"))),
            &["America/New_York", "Pacific/Honolulu"],
            "US-NY US-HI",
            ZoneSource::Address,
        ),
        // A province without a country: Canada, whatever the number's country.
        (
            "+1 212 555 0142",
            Some(addr("", Some("Québec"))),
            &[
                "America/New_York",
                "America/Toronto",
                "America/Blanc-Sablon",
                "America/Halifax",
            ],
            "US-NY CA-QC",
            ZoneSource::Address,
        ),
        // The number's own country adds nothing the area code does not narrow.
        (
            "+1 212 555 0142",
            Some(addr("USA", None)),
            &["America/New_York"],
            "US-NY",
            ZoneSource::AreaCode,
        ),
        (
            "+353 1 234 5678",
            None,
            &["Europe/Dublin"],
            "IE",
            ZoneSource::Country,
        ),
        (
            "+34 912 345 678",
            Some(addr("Mexico", None)),
            &[
                "Europe/Madrid",
                "Africa/Ceuta",
                "Atlantic/Canary",
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
            "ES MX",
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
        assert_eq!(got.region_label(), region, "{n}");
        assert_eq!(got.source, source, "{n}");
        assert_eq!(got.is_ambiguous(), zones.len() > 1, "{n}");
        assert_eq!(got.time_zones().expect("zones exist").len(), zones.len());
    }
}

#[test]
fn toll_free_numbers_fall_back_to_every_zone_of_the_country() {
    let got = CalleeZones::from_number(&number("+1 800 555 0142")).expect("toll-free");
    assert_eq!(got.source, ZoneSource::Country);
    assert_eq!(got.regions, ["US"]);
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
    assert_eq!(
        (us.region_label().as_str(), us.source),
        ("US", ZoneSource::Address)
    );
    assert!(us.is_ambiguous());
}

#[test]
fn a_blank_address_is_no_address() {
    let blank = addr(" ", None);
    let got = CalleeZones::resolve(Some(&blank), &number("+1 212 555 0142")).expect("zones");
    assert_eq!(
        (got.region_label().as_str(), got.source),
        ("US-NY", ZoneSource::AreaCode)
    );
}

#[test]
fn a_state_without_a_country_infers_it_even_when_the_number_is_elsewhere() {
    let florida = addr(" ", Some("FL"));
    let got = CalleeZones::resolve(Some(&florida), &number("+1 212 555 0142")).expect("zones");
    assert_eq!(
        (got.region_label().as_str(), got.source),
        ("US-NY US-FL", ZoneSource::Address)
    );
    // A UK number, the caller living in Honolulu: 02:00 there is never lawful.
    let hawaii = addr("", Some("HI"));
    let got = CalleeZones::resolve(Some(&hawaii), &number("+44 20 7183 8750")).expect("zones");
    assert_eq!(got.zones, ["Europe/London", "Pacific/Honolulu"]);
    assert_eq!(got.regions, ["GB", "US-HI"]);
}

#[test]
fn unknown_places_are_refused_with_what_to_give() {
    type Case = (&'static str, &'static str, &'static str);
    let cases: [Case; 4] = [
        (
            "",
            "Narnia",
            "address.subdivision `NARNIA` is not a US state or Canadian province",
        ),
        ("Atlantis", "", "address.country `ATLANTIS`"),
        (
            "US",
            "Ontario",
            "address.subdivision `ONTARIO` is not in US",
        ),
        (
            "CA",
            "ZZ",
            "address.subdivision `ZZ` is not a Canadian province",
        ),
    ];
    for (country, sub, needle) in cases {
        let a = addr(country, (!sub.is_empty()).then_some(sub));
        let err = CalleeZones::resolve(Some(&a), &number("+1 212 555 0142")).expect_err(sub);
        assert!(err.to_string().starts_with(needle), "{err}");
    }
    // The address is known, but the number rings where Escalator knows nothing.
    let err = CalleeZones::resolve(Some(&addr("US", Some("NY"))), &number("+61 2 9374 4000"))
        .expect_err("+61");
    assert!(matches!(
        err,
        ZoneError::UnknownNumber {
            country_code: 61,
            ..
        }
    ));
}

#[test]
fn a_stated_zone_must_exist() {
    let ok = CalleeZones::stated("Europe/Paris", "fr").expect("paris");
    assert_eq!(
        (ok.region_label().as_str(), ok.source),
        ("FR", ZoneSource::Stated)
    );
    let err = CalleeZones::stated("Mars/Olympus_Mons", "US").expect_err("no such zone");
    assert_eq!(err, ZoneError::UnknownZone("Mars/Olympus_Mons".into()));
    assert_eq!(CalleeZones::stated("UTC", " "), Err(ZoneError::EmptyRegion));
}
