//! Placeholder until the five9 executor lands: the platform runs in dry-run.

use super::PlatformExecutor;
use crate::config::{Config, Secrets};

pub fn build(
    _config: &Config,
    _secrets: &Secrets,
    _http: &reqwest::Client,
) -> Result<Option<Box<dyn PlatformExecutor>>, String> {
    Ok(None)
}
