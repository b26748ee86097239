//! `escalator webhooks template <vendor>`: what each platform's admin pastes.

use escalator_adapters::{genesys, standard, Vendor};

pub fn template(vendor: &str, url: &str, secret: &str) -> Result<String, String> {
    let v: Vendor = vendor.parse().map_err(|_| {
        format!("unknown vendor {vendor:?}; use genesys, talkdesk, five9, nextiva, cloudtalk or standard")
    })?;
    match v {
        Vendor::Genesys => Ok(genesys::template(url, secret)),
        Vendor::Standard => Ok(standard::template(url, secret)),
        other => Err(format!("no adapter for {other} yet")),
    }
}
