//! The callee's candidate time zones and calling-hours region.
//!
//! Order of evidence (domain.md §3, CFPB finding on area-code-only diallers): a zone the
//! callee stated, then their address, then the number's NANP area code, then the number's
//! country. When the evidence allows more than one zone, all of them are kept and the
//! window must hold in every one.

use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use super::number::CallbackNumber;
use super::tables;

/// The part of the callee's address that decides their zone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// ISO 3166-1 alpha-2, e.g. "US", "CA", "GB".
    pub country: String,
    /// US state (USPS code, e.g. "FL") or Canadian province (e.g. "ON"); none elsewhere.
    #[serde(default)]
    pub subdivision: Option<String>,
}

impl Address {
    /// The caller's address from a call's `refs`, when a platform gave any of it. The
    /// country may be left out beside a US state or Canadian province: the number's
    /// country then completes it.
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
    /// Calling-hours region: "US-FL", "US", "CA-ON", "GB"...
    pub region: String,
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
    #[error(
        "address.subdivision `{code}` is not a {kind} code; use the two-letter code, e.g. {example}"
    )]
    UnknownSubdivision {
        code: String,
        kind: &'static str,
        example: &'static str,
    },
    #[error("zone `{0}` is not in the tz database; use an IANA name such as America/New_York")]
    UnknownZone(String),
    #[error("region must not be empty: use \"US\", \"US-FL\", \"GB\"...")]
    EmptyRegion,
}

impl CalleeZones {
    /// Address first, then the number (see module docs).
    pub fn resolve(address: Option<&Address>, number: &CallbackNumber) -> Result<Self, ZoneError> {
        // A blank address form is no evidence; fall through to the number.
        let completed = address.and_then(|a| match (a.country.trim(), &a.subdivision) {
            ("", Some(_)) => Some(Address {
                country: number.region()?.to_string(),
                subdivision: a.subdivision.clone(),
            }),
            ("", None) => None,
            _ => Some(a.clone()),
        });
        match completed {
            Some(address) => Self::from_address(&address),
            None => Self::from_number(number),
        }
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
            region,
            source: ZoneSource::Stated,
        })
    }

    /// The zones and region a commitment recorded (names from the tz database).
    pub fn recorded<'a>(zones: impl Iterator<Item = &'a str>, region: &str) -> Self {
        Self {
            zones: zones.map(str::to_string).collect(),
            region: region.trim().to_string(),
            source: ZoneSource::Recorded,
        }
    }

    pub fn from_address(address: &Address) -> Result<Self, ZoneError> {
        let country = address.country.trim().to_ascii_uppercase();
        let sub = address
            .subdivision
            .as_deref()
            .map(|s| s.trim().to_ascii_uppercase())
            .filter(|s| !s.is_empty());
        if let (Some(sub), Some((kind, example))) = (&sub, subdivision_kind(&country)) {
            let zones = tables::subdivision(&country, sub).ok_or_else(|| {
                ZoneError::UnknownSubdivision {
                    code: sub.clone(),
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
        let known = tables::country(&country).ok_or(ZoneError::UnknownCountry(country))?;
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
            region,
            source,
        }
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
