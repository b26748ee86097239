//! The `[callbacks]` config table. Not yet wired into `crate::config::Config`; every struct
//! denies unknown keys and has defaults, so the table can be added there as is.
//!
//! ```toml
//! [callbacks]
//! default_region = "US"        # numbers written without +
//! min_window_minutes = 15
//! [callbacks.policies]         # business minutes per tier
//! supervisor = 120
//! [callbacks.calling_hours.US-TX]
//! open = "09:00"
//! close = "21:00"
//! [callbacks.teams.billing]
//! zone = "America/Chicago"
//! holidays = ["2026-11-26", "2026-12-25"]
//! [callbacks.teams.billing.business_hours]
//! mon = { open = "08:00", close = "18:00" }
//! ```

use std::collections::BTreeMap;

use jiff::civil::{Date, Time};
use serde::Deserialize;

use super::holidays::HolidayCalendar;
use super::hours::{BusinessCalendar, CallingHoursTable, CallingRules, HoursError, OpenHours};
use super::window::Policy;
use crate::playbook::Tier;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CallbacksConfig {
    /// ISO 3166 region for numbers written without `+`.
    pub default_region: String,
    /// The shortest window worth promising.
    pub min_window_minutes: u32,
    /// How far ahead a person may reschedule a callback.
    pub reschedule_horizon_days: u32,
    pub policies: PoliciesConfig,
    /// Region (`US`, `US-FL`, `GB`...) → hours, over the built-in table.
    pub calling_hours: BTreeMap<String, CallingHoursConfig>,
    /// Team name (as in `[teams]`) → its business calendar.
    pub teams: BTreeMap<String, TeamCalendarConfig>,
    /// An agent (as the platform names them on the call: user id, user name or agent id)
    /// → their supervisor, who then owns callbacks from that agent's calls.
    pub agent_supervisors: BTreeMap<String, String>,
}

impl Default for CallbacksConfig {
    fn default() -> Self {
        Self {
            default_region: "US".into(),
            min_window_minutes: 15,
            reschedule_horizon_days: 90,
            policies: PoliciesConfig::default(),
            calling_hours: BTreeMap::new(),
            teams: BTreeMap::new(),
            agent_supervisors: BTreeMap::new(),
        }
    }
}

/// Business minutes within which each tier's callback is due.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PoliciesConfig {
    pub supervisor: u32,
    pub specialist: u32,
    pub callback: u32,
}

impl Default for PoliciesConfig {
    fn default() -> Self {
        Self {
            supervisor: 120,
            specialist: 240,
            callback: 1440,
        }
    }
}

/// `open`/`close` as "HH:MM", local to the zone they apply in; `close = "24:00"` is midnight.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoursConfig {
    pub open: String,
    pub close: String,
}

/// A region's calling hours: `open`/`close` every day unless `saturday` or `sunday` says
/// otherwise (`"closed"` or `{ open, close }`); `closed_on_holidays` closes the country's
/// public holidays (US, CA, GB, IE, ES, MX calendars).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallingHoursConfig {
    pub open: String,
    pub close: String,
    #[serde(default)]
    pub saturday: Option<DayConfig>,
    #[serde(default)]
    pub sunday: Option<DayConfig>,
    #[serde(default)]
    pub closed_on_holidays: bool,
}

/// A weekend day's hours, or `"closed"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum DayConfig {
    Closed(String),
    Hours(HoursConfig),
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamCalendarConfig {
    /// IANA zone the business hours and holidays are in.
    pub zone: String,
    /// Absent: Monday to Friday 09:00–17:00.
    #[serde(default = "WeekConfig::office")]
    pub business_hours: WeekConfig,
    /// Dates (team-local) the team is closed: TOML dates or "YYYY-MM-DD" strings.
    #[serde(default, deserialize_with = "holiday_dates")]
    pub holidays: Vec<Date>,
}

fn holiday_dates<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Date>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Input {
        Text(String),
        Toml(toml::value::Datetime),
    }
    Vec::<Input>::deserialize(d)?
        .into_iter()
        .map(|input| {
            let text = match input {
                Input::Text(s) => s,
                Input::Toml(dt) => dt.to_string(),
            };
            Date::strptime("%Y-%m-%d", text.trim()).map_err(|_| {
                serde::de::Error::custom(format!(
                    "holiday `{text}` is not a date: write YYYY-MM-DD, e.g. 2026-12-25"
                ))
            })
        })
        .collect()
}

/// Open hours per weekday; a day left out is closed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeekConfig {
    pub mon: Option<HoursConfig>,
    pub tue: Option<HoursConfig>,
    pub wed: Option<HoursConfig>,
    pub thu: Option<HoursConfig>,
    pub fri: Option<HoursConfig>,
    pub sat: Option<HoursConfig>,
    pub sun: Option<HoursConfig>,
}

impl WeekConfig {
    fn office() -> Self {
        let day = || {
            Some(HoursConfig {
                open: "09:00".into(),
                close: "17:00".into(),
            })
        };
        Self {
            mon: day(),
            tue: day(),
            wed: day(),
            thu: day(),
            fri: day(),
            sat: None,
            sun: None,
        }
    }

    fn days(&self) -> [(&'static str, &Option<HoursConfig>); 7] {
        [
            ("mon", &self.mon),
            ("tue", &self.tue),
            ("wed", &self.wed),
            ("thu", &self.thu),
            ("fri", &self.fri),
            ("sat", &self.sat),
            ("sun", &self.sun),
        ]
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("callbacks.{field}: `{value}` is not a time; write HH:MM, e.g. \"08:00\"")]
    BadTime { field: String, value: String },
    #[error("callbacks.{field}: {source}")]
    Hours { field: String, source: HoursError },
    #[error(
        "callbacks.calling_hours key `{0}` is not a region: use a country code (\"US\") or \
         country-subdivision (\"US-FL\")"
    )]
    BadRegion(String),
    #[error(
        "callbacks.default_region `{0}` is not a country code the number parser knows; use an \
         ISO 3166 code such as \"US\" or \"GB\""
    )]
    BadDefaultRegion(String),
    #[error(
        "callbacks.{field}: `{value}` is neither \"closed\" nor {{ open, close }}; write \
         sunday = \"closed\" or sunday = {{ open = \"12:00\", close = \"21:00\" }}"
    )]
    BadDay { field: String, value: String },
    #[error(
        "callbacks.calling_hours.{0}.closed_on_holidays: Escalator has no public-holiday \
         calendar for this country (it has US, CA, GB, IE, ES, MX); leave it out"
    )]
    NoHolidayCalendar(String),
    #[error("callbacks.policies.{0} must be at least 1 business minute")]
    ZeroPolicy(&'static str),
    #[error(
        "callbacks.teams.{team}.zone `{zone}` is not in the tz database; use an IANA name such \
         as America/Chicago"
    )]
    UnknownZone { team: String, zone: String },
    #[error(
        "callbacks.teams.{0}.business_hours: the team is closed every day; give at least one \
         day's open and close"
    )]
    NeverOpen(String),
    #[error("callbacks.teams has no team `{0}`: add [callbacks.teams.{0}] with its zone")]
    UnknownTeam(String),
    #[error(
        "the {0} tier makes no callback commitment; only supervisor, specialist and callback do"
    )]
    NoPolicy(&'static str),
}

impl CallbacksConfig {
    /// Checks every value, so a bad config fails at start-up and not at the first callback.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.default_region
            .trim()
            .to_ascii_uppercase()
            .parse::<phonenumber::country::Id>()
            .map_err(|_| ConfigError::BadDefaultRegion(self.default_region.clone()))?;
        for tier in [Tier::Supervisor, Tier::Specialist, Tier::Callback] {
            self.policy(tier)?;
        }
        self.calling_hours_table()?;
        for team in self.teams.keys() {
            self.team_calendar(team)?;
        }
        Ok(())
    }

    /// The tier's policy; `Tier::Agent` makes no commitment.
    pub fn policy(&self, tier: Tier) -> Result<Policy, ConfigError> {
        let p = &self.policies;
        let minutes = match tier {
            Tier::Supervisor => p.supervisor,
            Tier::Specialist => p.specialist,
            Tier::Callback => p.callback,
            Tier::Agent => return Err(ConfigError::NoPolicy(tier.as_str())),
        };
        if minutes == 0 {
            return Err(ConfigError::ZeroPolicy(tier.as_str()));
        }
        Ok(Policy {
            business_minutes: minutes,
            min_window_minutes: self.min_window_minutes,
        })
    }

    /// The built-in calling hours with this config's overrides.
    pub fn calling_hours_table(&self) -> Result<CallingHoursTable, ConfigError> {
        let mut overrides = Vec::new();
        for (region, hours) in &self.calling_hours {
            if !is_region(region) {
                return Err(ConfigError::BadRegion(region.clone()));
            }
            overrides.push((region.clone(), hours.rules(region)?));
        }
        Ok(CallingHoursTable::with_overrides(overrides))
    }

    pub fn team_calendar(&self, team: &str) -> Result<BusinessCalendar, ConfigError> {
        let cfg = self
            .teams
            .get(team)
            .ok_or_else(|| ConfigError::UnknownTeam(team.to_string()))?;
        let mut week = [None; 7];
        for (slot, (day, hours)) in week.iter_mut().zip(cfg.business_hours.days()) {
            if let Some(hours) = hours {
                *slot = Some(hours.parse(&format!("teams.{team}.business_hours.{day}"))?);
            }
        }
        if week.iter().all(Option::is_none) {
            return Err(ConfigError::NeverOpen(team.to_string()));
        }
        BusinessCalendar::new(&cfg.zone, week, cfg.holidays.iter().copied()).map_err(|_| {
            ConfigError::UnknownZone {
                team: team.to_string(),
                zone: cfg.zone.clone(),
            }
        })
    }
}

impl CallingHoursConfig {
    fn rules(&self, region: &str) -> Result<CallingRules, ConfigError> {
        let field = format!("calling_hours.{region}");
        let every = HoursConfig {
            open: self.open.clone(),
            close: self.close.clone(),
        }
        .parse(&field)?;
        let day = |name: &str, day: &Option<DayConfig>| match day {
            None => Ok(Some(every)),
            Some(DayConfig::Hours(h)) => h.parse(&format!("{field}.{name}")).map(Some),
            Some(DayConfig::Closed(word)) if word.trim().eq_ignore_ascii_case("closed") => Ok(None),
            Some(DayConfig::Closed(word)) => Err(ConfigError::BadDay {
                field: format!("{field}.{name}"),
                value: word.clone(),
            }),
        };
        let mut rules = CallingRules::week(
            Some(every),
            day("saturday", &self.saturday)?,
            day("sunday", &self.sunday)?,
        );
        if self.closed_on_holidays {
            let country = region.split('-').next().unwrap_or(region);
            let calendar = HolidayCalendar::of_country(country)
                .ok_or_else(|| ConfigError::NoHolidayCalendar(region.to_string()))?;
            rules = rules.closed_on(calendar);
        }
        Ok(rules)
    }
}

impl HoursConfig {
    fn parse(&self, field: &str) -> Result<OpenHours, ConfigError> {
        let time = |name: &str, value: &str| {
            Time::strptime("%H:%M", value.trim()).map_err(|_| ConfigError::BadTime {
                field: format!("{field}.{name}"),
                value: value.to_string(),
            })
        };
        // "24:00" closes at midnight, so an all-day rule leaves no gap between days.
        let close = match self.close.trim() {
            "24:00" => Time::MAX,
            other => time("close", other)?,
        };
        OpenHours::new(time("open", &self.open)?, close).map_err(|source| ConfigError::Hours {
            field: field.to_string(),
            source,
        })
    }
}

/// "US" or "US-FL": two letters, optionally a dash and a 1–3 character subdivision.
fn is_region(s: &str) -> bool {
    let (country, sub) = s.split_once('-').unwrap_or((s, "x"));
    country.len() == 2
        && country.bytes().all(|b| b.is_ascii_alphabetic())
        && (1..=3).contains(&sub.len())
        && sub.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
