//! `escalator webhooks template <vendor>`: what each platform's admin pastes.

use escalator_adapters::Vendor;

pub fn template(vendor: &str, url: &str, secret: &str) -> Result<String, String> {
    let v: Vendor = vendor.parse().map_err(|_| {
        format!("unknown vendor {vendor:?}; use genesys, talkdesk, five9, nextiva, cloudtalk or standard")
    })?;
    escalator_adapters::template(v, url, secret).ok_or_else(|| format!("no adapter for {v} yet"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_platform_has_a_template_with_its_url_and_secret() {
        for vendor in Vendor::ALL {
            let text = template(vendor.as_str(), "https://esc.example.com", "S3CRET-X").unwrap();
            assert!(text.contains("esc.example.com"), "{vendor}: {text}");
            assert!(text.contains("S3CRET-X"), "{vendor}: {text}");
        }
        assert!(template("avaya", "u", "s").is_err());
    }
}
