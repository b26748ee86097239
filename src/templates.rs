//! `escalator webhooks template <vendor>`: what each platform's admin pastes.

use escalator_adapters::Vendor;

pub fn template(vendor: &str, url: &str, secret: &str) -> Result<String, String> {
    let v: Vendor = vendor.parse().map_err(|_| {
        format!("unknown vendor {vendor:?}; use genesys, talkdesk, five9, nextiva, cloudtalk or standard")
    })?;
    escalator_adapters::template(v, url, secret).ok_or_else(|| format!("no adapter for {v} yet"))
}
