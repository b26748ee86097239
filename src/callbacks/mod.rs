//! Callback commitments (issue 6, "Callback Log"): when a promised callback may be placed.
//!
//! Pure computation, no database and no HTTP:
//! - [`number`]: the callback number, validated to E.164;
//! - [`zone`]: every place the callee may be (each address and where the number rings):
//!   their candidate time zones and calling-hours regions;
//! - [`hours`], [`jurisdictions`], [`holidays`]: legal calling hours per jurisdiction
//!   (weekday, Saturday, Sunday, public holidays) and the owning team's business calendar;
//! - [`window`]: the window a commitment promises, or why none can be promised.
//!
//! [`window_for`] is what the named-callback link uses; config is `[callbacks]`
//! ([`config`]). See docs/callbacks.md.

mod commit;
pub mod config;
pub mod holidays;
pub mod hours;
mod interval;
mod jurisdictions;
pub mod number;
mod tables;
pub mod window;
pub mod zone;

pub use commit::{
    check_reschedule, check_window, platform_callback_time, window_for, PlatformCallbackTime,
};
pub use config::{CallbacksConfig, ConfigError};
pub use holidays::HolidayCalendar;
pub use hours::{BusinessCalendar, CallingHoursTable, CallingRules, HoursError, OpenHours};
pub use number::{CallbackNumber, NumberError};
pub use window::{commit_window, Policy, Window, WindowError};
pub use zone::{Address, CalleeZones, ZoneError, ZoneSource};

#[cfg(test)]
mod property_tests;
