//! The callback number: parsed and validated to E.164 with `phonenumber` (a libphonenumber
//! port), so a number the platform cannot dial is refused when the commitment is made,
//! not when the callback fails.

use phonenumber::country::Id;
use phonenumber::{Mode, PhoneNumber};

/// A validated callback number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackNumber {
    e164: String,
    country_code: u16,
    /// ISO 3166-1 alpha-2 region the number is assigned to, when it belongs to one
    /// (non-geographic numbers such as +800 have none).
    region: Option<String>,
    national: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("number is empty: give the callee's phone number, e.g. +14155552671")]
    Empty,
    #[error(
        "default region `{0}` is not a country code the number parser knows: \
         set callbacks.default_region to an ISO 3166 code such as \"US\" or \"GB\""
    )]
    UnknownDefaultRegion(String),
    #[error(
        "number is not a phone number ({reason}): give it in E.164 form with its country \
         code, e.g. +14155552671, or in the national form of {default_region}"
    )]
    Unparseable {
        reason: String,
        default_region: String,
    },
    #[error(
        "number is not a valid number for country code +{country_code}: check the digits \
         and the country code (numbers without + are read as {default_region} numbers)"
    )]
    Invalid {
        country_code: u16,
        default_region: String,
    },
    #[error(
        "number starts with an international dialling prefix (011, 00...): write it with + \
         and the country code instead, e.g. +33 1 42 68 53 00"
    )]
    DialPrefix,
    #[error(
        "number has an extension, which a callback cannot dial: give the callee's direct \
         number and put the extension in the notes"
    )]
    HasExtension,
}

/// Loads the phone-number metadata on a blocking thread. Its first use in a process takes
/// ~70 ms of CPU (and ~7 MB, so it is not loaded before it is needed); done on an async
/// worker, that would stall every delivery queued behind it. Later calls return at once.
pub async fn load_metadata() {
    static LOADED: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    LOADED
        .get_or_init(|| async {
            let _ = tokio::task::spawn_blocking(|| phonenumber::parse(None, "+13175550100")).await;
        })
        .await;
}

impl CallbackNumber {
    /// Parses `input` (E.164, international or national form). Numbers without `+` are read
    /// as numbers of `default_region` (an ISO 3166-1 alpha-2 code, e.g. "US").
    pub fn parse(input: &str, default_region: &str) -> Result<Self, NumberError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(NumberError::Empty);
        }
        let region: Id = default_region
            .trim()
            .to_ascii_uppercase()
            .parse()
            .map_err(|_| NumberError::UnknownDefaultRegion(default_region.to_string()))?;
        // phonenumber 0.3 strips the default region's national prefix from numbers written
        // internationally too ("+33 1 42..." read with US loses its "1"), so a number with
        // its own country code is parsed without a default region, and the 011/00 forms,
        // which need one, are refused rather than risk dialling the wrong number.
        let default = (!input.starts_with('+')).then_some(region);
        let parsed = phonenumber::parse(default, input).map_err(|e| NumberError::Unparseable {
            reason: e.to_string(),
            default_region: default_region.to_string(),
        })?;
        if parsed.code().source() == phonenumber::country::Source::Idd {
            return Err(NumberError::DialPrefix);
        }
        if parsed.extension().is_some() {
            return Err(NumberError::HasExtension);
        }
        if phonenumber::is_valid(&parsed) {
            return Ok(Self::from_valid(&parsed));
        }
        Self::from_area_code_table(&parsed).ok_or_else(|| NumberError::Invalid {
            country_code: parsed.code().value(),
            default_region: default_region.to_string(),
        })
    }

    /// A NANP number libphonenumber's bundled metadata does not know yet (new overlay
    /// codes reach `nanp_area_codes.txt` before a `phonenumber` release carries them): valid
    /// when its area code is in the table and its exchange is a dialable NXX (2–9 first,
    /// not N11). The table is then the authority on where it rings.
    fn from_area_code_table(parsed: &PhoneNumber) -> Option<Self> {
        if parsed.code().value() != 1 {
            return None;
        }
        let national = parsed.national().to_string();
        let digits = national.as_bytes();
        let dialable = digits.len() == 10
            && digits.iter().all(u8::is_ascii_digit)
            && (b'2'..=b'9').contains(&digits[3])
            && digits[4..6] != *b"11";
        let entry = super::tables::area_code(national.get(..3)?)?;
        if !dialable {
            return None;
        }
        let country = entry.region.split('-').next().unwrap_or(entry.region);
        Some(Self {
            e164: format!("+1{national}"),
            country_code: 1,
            region: Some(country.to_string()),
            national,
        })
    }

    fn from_valid(parsed: &PhoneNumber) -> Self {
        Self {
            e164: parsed.format().mode(Mode::E164).to_string(),
            country_code: parsed.code().value(),
            region: parsed.country().id().map(|id| id.as_ref().to_string()),
            national: parsed.national().to_string(),
        }
    }

    /// The number in E.164 form, e.g. `+14155552671`.
    pub fn e164(&self) -> &str {
        &self.e164
    }

    /// The country calling code, e.g. 1 or 44.
    pub fn country_code(&self) -> u16 {
        self.country_code
    }

    /// The ISO region the number is assigned to (e.g. "US", "CA", "GB", "BS"), if any.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// The NANP area code (first three national digits) of a +1 number.
    pub fn nanp_area_code(&self) -> Option<&str> {
        if self.country_code != 1 {
            return None;
        }
        self.national.get(..3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_and_international_forms_give_the_same_e164() {
        for input in [
            "+1 415 555 2671",
            "(415) 555-2671",
            "415.555.2671",
            "+14155552671",
        ] {
            let n = CallbackNumber::parse(input, "US").expect(input);
            assert_eq!(n.e164(), "+14155552671", "{input}");
            assert_eq!(n.region(), Some("US"));
            assert_eq!(n.nanp_area_code(), Some("415"));
        }
    }

    #[test]
    fn default_region_decides_numbers_without_a_plus() {
        let uk = CallbackNumber::parse("020 7183 8750", "GB").expect("uk national");
        assert_eq!(uk.e164(), "+442071838750");
        assert_eq!(uk.region(), Some("GB"));
        assert_eq!(uk.nanp_area_code(), None);
        // The same digits read as a US number are not valid.
        assert!(CallbackNumber::parse("020 7183 8750", "US").is_err());
    }

    #[test]
    fn international_numbers_keep_digits_that_look_like_a_national_prefix() {
        // France's "1" (Paris) is the US trunk prefix; Italy's "0" is the UK's.
        let paris = CallbackNumber::parse("+33 1 42 68 53 00", "US").expect("paris");
        assert_eq!(paris.e164(), "+33142685300");
        assert_eq!(paris.region(), Some("FR"));
        let rome = CallbackNumber::parse("+39 06 6988 4857", "GB").expect("rome");
        assert_eq!(rome.e164(), "+390669884857");
        let err = CallbackNumber::parse("011 33 1 42 68 53 00", "US").expect_err("idd");
        assert_eq!(err, NumberError::DialPrefix);
    }

    #[test]
    fn canadian_and_caribbean_numbers_know_their_region() {
        let ca = CallbackNumber::parse("+1 416 555 0199", "US").expect("toronto");
        assert_eq!(ca.region(), Some("CA"));
        let bs = CallbackNumber::parse("+1 242 357 1234", "US").expect("nassau");
        assert_eq!(bs.region(), Some("BS"));
    }

    #[test]
    fn invalid_numbers_name_the_field_and_the_fix() {
        type Expect = fn(&NumberError) -> bool;
        let cases: [(&str, Expect); 5] = [
            ("", |e| matches!(e, NumberError::Empty)),
            ("call me", |e| matches!(e, NumberError::Unparseable { .. })),
            // 555 area code is not assigned: libphonenumber rejects it.
            ("+1 555 555 2671", |e| {
                matches!(
                    e,
                    NumberError::Invalid {
                        country_code: 1,
                        ..
                    }
                )
            }),
            ("+44 20 7183", |e| {
                matches!(
                    e,
                    NumberError::Invalid { .. } | NumberError::Unparseable { .. }
                )
            }),
            ("+1 415 555 2671 ext. 12", |e| {
                matches!(e, NumberError::HasExtension)
            }),
        ];
        for (input, expected) in cases {
            let err = CallbackNumber::parse(input, "US").expect_err(input);
            assert!(expected(&err), "{input}: {err:?}");
            assert!(err.to_string().starts_with("number "), "{input}: {err}");
        }
    }

    #[test]
    fn every_area_code_in_the_table_parses_in_every_dialable_exchange() {
        let codes = super::super::tables::area_codes();
        assert!(codes.len() > 400);
        let mut refused = Vec::new();
        for code in codes {
            for exchange in (200..1000).step_by(37).chain([273, 472, 983]) {
                let input = format!("+1 {code} {exchange} 0142");
                match CallbackNumber::parse(&input, "US") {
                    Ok(n) => assert_eq!(n.nanp_area_code(), Some(code), "{input}"),
                    Err(e) if exchange % 100 != 11 => refused.push(format!("{input}: {e}")),
                    Err(_) => {}
                }
            }
        }
        assert!(refused.is_empty(), "{refused:#?}");
        // The overlays the bundled metadata lagged on, in exchanges it refused.
        for input in [
            "+1 273 555 0142",
            "+1 274 980 0142",
            "+1 472 202 0142",
            "+1 983 202 0142",
        ] {
            let n = CallbackNumber::parse(input, "US").expect(input);
            assert!(matches!(n.region(), Some("US" | "CA")), "{input}");
        }
        // Not dialable, or not in the table: still refused.
        for input in ["+1 273 155 0142", "+1 274 911 0142", "+1 555 555 0142"] {
            assert!(CallbackNumber::parse(input, "US").is_err(), "{input}");
        }
    }

    #[test]
    fn an_unknown_default_region_is_a_config_error() {
        let err = CallbackNumber::parse("4155552671", "XX").expect_err("bad region");
        assert_eq!(err, NumberError::UnknownDefaultRegion("XX".into()));
        assert!(err.to_string().contains("callbacks.default_region"));
    }
}
