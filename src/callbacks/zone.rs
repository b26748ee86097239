//! The callee's candidate time zones and calling-hours regions.
//!
//! Order of evidence (domain.md §3, CFPB finding on area-code-only diallers): a zone the
//! callee stated decides alone. Otherwise every place the callee may be counts: each address
//! known for them **and** where their number rings (its NANP area code, or its country),
//! and the window must hold in every zone under every region's rules.

use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use super::number::CallbackNumber;
use super::tables;

/// The part of the callee's address that decides their zone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// ISO 3166-1 alpha-2 ("US") or the country's name ("Canada"); may be left out beside
    /// a US state or Canadian province, whose country is then inferred.
    #[serde(default)]
    pub country: String,
    /// US state or Canadian province by code ("FL", "US-FL") or name ("Florida",
    /// "Québec"); ignored for other countries.
    #[serde(default)]
    pub subdivision: Option<String>,
}

impl Address {
    /// The caller's address from a call's `refs`, when a platform gave any of it.
    pub fn from_refs(refs: &std::collections::BTreeMap<String, String>) -> Option<Self> {
        let field = |k: &str| {
            refs.get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let (country, subdivision) = (
            field(escalator_adapters::REF_CALLER_COUNTRY),
            field(escalator_adapters::REF_CALLER_SUBDIVISION),
        );
        if country.is_none() && subdivision.is_none() {
            return None;
        }
        Some(Self {
            country: country.unwrap_or_default(),
            subdivision,
        })
    }

    fn is_blank(&self) -> bool {
        self.country.trim().is_empty()
            && self
                .subdivision
                .as_deref()
                .is_none_or(|s| s.trim().is_empty())
    }

    /// The ISO country and, for the US and Canada, the subdivision code this address names.
    /// A subdivision without a country infers it; what names no known place is an error.
    pub fn place(&self) -> Result<(String, Option<String>), ZoneError> {
        let country_text = normalise(&self.country);
        let mut country = match country_text.as_str() {
            "" => None,
            c => Some(country_code(c).ok_or_else(|| ZoneError::UnknownCountry(c.to_string()))?),
        };
        let sub_text = self
            .subdivision
            .as_deref()
            .map(normalise)
            .unwrap_or_default();
        if sub_text.is_empty() {
            return country.map(|c| (c, None)).ok_or(ZoneError::EmptyAddress);
        }
        // ISO 3166-2 form, "US-FL".
        let sub_text = match sub_text.split_once('-') {
            Some((c, s)) if c.len() == 2 && ["US", "CA"].contains(&c) && s.len() == 2 => {
                if country.as_deref().is_some_and(|given| given != c) {
                    return Err(ZoneError::SubdivisionElsewhere {
                        subdivision: sub_text.clone(),
                        country: country.unwrap_or_default(),
                    });
                }
                country = Some(c.to_string());
                s.to_string()
            }
            _ => sub_text,
        };
        if let Some(c) = &country {
            if subdivision_kind(c).is_none() {
                // Elsewhere the subdivision does not change the zone or the rules we know.
                return Ok((c.clone(), None));
            }
        }
        let found: Vec<(&str, &str)> = ["US", "CA"]
            .into_iter()
            .filter_map(|c| subdivision_code(c, &sub_text).map(|code| (c, code)))
            .collect();
        match (country, found.as_slice()) {
            (Some(c), found) => match found.iter().find(|(fc, _)| *fc == c) {
                Some((_, code)) => Ok((c, Some(code.to_string()))),
                None if !found.is_empty() => Err(ZoneError::SubdivisionElsewhere {
                    subdivision: sub_text,
                    country: c,
                }),
                None => {
                    let (kind, example) = subdivision_kind(&c).unwrap_or(("subdivision", "FL"));
                    Err(ZoneError::UnknownSubdivision {
                        code: sub_text,
                        kind,
                        example,
                    })
                }
            },
            (None, [(c, code)]) => Ok((c.to_string(), Some(code.to_string()))),
            (None, _) => Err(ZoneError::UnknownSubdivision {
                code: sub_text,
                kind: "US state or Canadian province",
                example: "FL or Florida",
            }),
        }
    }
}

/// Uppercase ASCII with accents, dots and repeated spaces taken out: "Québec" → "QUEBEC",
/// "N. Carolina" → "N CAROLINA".
fn normalise(text: &str) -> String {
    let plain: String = text
        .nfd()
        .filter(char::is_ascii)
        .map(|c| if c == '.' || c == ',' { ' ' } else { c })
        .collect();
    plain
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_uppercase()
}

fn country_code(text: &str) -> Option<String> {
    if text.len() == 2 && text.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Some(text.to_string());
    }
    tables::COUNTRY_NAMES
        .iter()
        .find(|(_, name)| *name == text)
        .map(|(code, _)| code.to_string())
}

/// The subdivision code of `country` written as `text` (a code or a name).
fn subdivision_code(country: &str, text: &str) -> Option<&'static str> {
    let by_code = match country {
        "US" => tables::US_STATES,
        _ => tables::CA_PROVINCES,
    }
    .iter()
    .find(|(code, _)| *code == text)
    .map(|(code, _)| *code);
    by_code.or_else(|| {
        tables::SUBDIVISION_NAMES
            .iter()
            .find(|(c, _, name)| *c == country && *name == text)
            .map(|(_, code, _)| *code)
    })
}

/// Where the zones came from, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneSource {
    /// The callee told us their zone.
    Stated,
    Address,
    AreaCode,
    Country,
    /// As recorded on a commitment when it was made.
    Recorded,
}

/// Every zone the callee may be in, and the region whose calling hours apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalleeZones {
    /// IANA names, e.g. "America/Chicago". Never empty.
    pub zones: Vec<String>,
    /// Calling-hours regions: "US-FL", "US", "CA-ON", "GB"... Never empty; the rules of
    /// every one hold in every zone.
    pub regions: Vec<String>,
    pub source: ZoneSource,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZoneError {
    #[error(
        "cannot tell the callee's time zone; give their address or zone \
         (number is +{country_code}{}, which Escalator has no zone table for)",
        region.as_deref().map(|r| format!(" ({r})")).unwrap_or_default()
    )]
    UnknownNumber {
        country_code: u16,
        region: Option<String>,
    },
    #[error(
        "address.country `{0}` is not a country Escalator has a zone table for; give the \
         callee's zone (an IANA name such as Europe/Paris) instead"
    )]
    UnknownCountry(String),
    #[error("address.subdivision `{code}` is not a {kind} code or name; use e.g. {example}")]
    UnknownSubdivision {
        code: String,
        kind: &'static str,
        example: &'static str,
    },
    #[error(
        "address.subdivision `{subdivision}` is not in {country}: correct address.country or \
         the subdivision, or leave the country out to have it inferred"
    )]
    SubdivisionElsewhere {
        subdivision: String,
        country: String,
    },
    #[error(
        "address is empty: give address.country and, in the US or Canada, the state or province"
    )]
    EmptyAddress,
    #[error("zone `{0}` is not in the tz database; use an IANA name such as America/New_York")]
    UnknownZone(String),
    #[error("region must not be empty: use \"US\", \"US-FL\", \"GB\"...")]
    EmptyRegion,
}

impl CalleeZones {
    /// Every place the callee may be: the address (when one is given) and the number.
    pub fn resolve(address: Option<&Address>, number: &CallbackNumber) -> Result<Self, ZoneError> {
        Self::resolve_all(
            address.map(std::slice::from_ref).unwrap_or_default(),
            number,
        )
    }

    /// Every place the callee may be: each of `addresses` and where `number` rings. A
    /// number whose place is unknown is an error even beside an address: the callee may be
    /// where it rings. An address that names only the number's own country adds nothing the
    /// number does not already narrow.
    pub fn resolve_all(addresses: &[Address], number: &CallbackNumber) -> Result<Self, ZoneError> {
        let mut all = Self::from_number(number)?;
        for address in addresses.iter().filter(|a| !a.is_blank()) {
            let (country, sub) = address.place()?;
            if sub.is_none() && number.region() == Some(country.as_str()) {
                continue;
            }
            all.add(Self::from_place(&country, sub.as_deref())?);
        }
        Ok(all)
    }

    /// A zone the callee stated, in the calling-hours `region` where they are.
    pub fn stated(zone: &str, region: &str) -> Result<Self, ZoneError> {
        let zone = zone.trim();
        TimeZone::get(zone).map_err(|_| ZoneError::UnknownZone(zone.to_string()))?;
        let region = region.trim().to_ascii_uppercase();
        if region.is_empty() {
            return Err(ZoneError::EmptyRegion);
        }
        Ok(Self {
            zones: vec![zone.to_string()],
            regions: vec![region],
            source: ZoneSource::Stated,
        })
    }

    /// The zones and regions a commitment recorded (space-separated, as stored).
    pub fn recorded<'a>(zones: impl Iterator<Item = &'a str>, regions: &str) -> Self {
        Self {
            zones: zones.map(str::to_string).collect(),
            regions: regions.split_whitespace().map(str::to_string).collect(),
            source: ZoneSource::Recorded,
        }
    }

    /// The places an address alone names (no number).
    pub fn from_address(address: &Address) -> Result<Self, ZoneError> {
        let (country, sub) = address.place()?;
        Self::from_place(&country, sub.as_deref())
    }

    fn from_place(country: &str, sub: Option<&str>) -> Result<Self, ZoneError> {
        if let Some(sub) = sub {
            let zones = tables::subdivision(country, sub).ok_or_else(|| {
                let (kind, example) = subdivision_kind(country).unwrap_or(("subdivision", "FL"));
                ZoneError::UnknownSubdivision {
                    code: sub.to_string(),
                    kind,
                    example,
                }
            })?;
            return Ok(Self::new(
                zones,
                format!("{country}-{sub}"),
                ZoneSource::Address,
            ));
        }
        let known = tables::country(country)
            .ok_or_else(|| ZoneError::UnknownCountry(country.to_string()))?;
        Ok(Self::new(
            known.zones,
            known.region.to_string(),
            ZoneSource::Address,
        ))
    }

    pub fn from_number(number: &CallbackNumber) -> Result<Self, ZoneError> {
        if let Some(entry) = number.nanp_area_code().and_then(tables::area_code) {
            let zones: &[&str] = if entry.zones.is_empty() {
                entry
                    .region
                    .split_once('-')
                    .and_then(|(country, sub)| tables::subdivision(country, sub))
                    .unwrap_or_default()
            } else {
                &entry.zones
            };
            if !zones.is_empty() {
                return Ok(Self::new(
                    zones,
                    entry.region.to_string(),
                    ZoneSource::AreaCode,
                ));
            }
        }
        number
            .region()
            .and_then(tables::country)
            .map(|c| Self::new(c.zones, c.region.to_string(), ZoneSource::Country))
            .ok_or_else(|| ZoneError::UnknownNumber {
                country_code: number.country_code(),
                region: number.region().map(str::to_string),
            })
    }

    fn new(zones: &[&str], region: String, source: ZoneSource) -> Self {
        Self {
            zones: zones.iter().map(|z| z.to_string()).collect(),
            regions: vec![region],
            source,
        }
    }

    /// Adds `other`'s places; the source becomes the stronger of the two.
    fn add(&mut self, other: Self) {
        for zone in other.zones {
            if !self.zones.contains(&zone) {
                self.zones.push(zone);
            }
        }
        for region in other.regions {
            if !self.regions.contains(&region) {
                self.regions.push(region);
            }
        }
        self.source = ZoneSource::Address;
    }

    /// The regions as stored and shown: "US-FL US-NY".
    pub fn region_label(&self) -> String {
        self.regions.join(" ")
    }

    /// More than one candidate zone: the window must hold in each.
    pub fn is_ambiguous(&self) -> bool {
        self.zones.len() > 1
    }

    /// The zones, looked up in the tz database.
    pub fn time_zones(&self) -> Result<Vec<TimeZone>, ZoneError> {
        self.zones
            .iter()
            .map(|z| TimeZone::get(z).map_err(|_| ZoneError::UnknownZone(z.clone())))
            .collect()
    }
}

fn subdivision_kind(country: &str) -> Option<(&'static str, &'static str)> {
    match country {
        "US" => Some(("US state or territory (USPS)", "FL")),
        "CA" => Some(("Canadian province or territory", "ON")),
        _ => None,
    }
}

#[cfg(test)]
#[path = "zone_tests.rs"]
mod tests;
