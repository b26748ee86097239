//! Region table (SDK `purecloud_region_hosts.py`); the login host is the API host with
//! `api.` replaced by `login.` (SDK `get_conf_url`).

pub const REGIONS: &[(&str, &str)] = &[
    ("us-east-1", "https://api.mypurecloud.com"),
    ("us-east-2", "https://api.use2.us-gov-pure.cloud"),
    ("us-west-2", "https://api.usw2.pure.cloud"),
    ("ca-central-1", "https://api.cac1.pure.cloud"),
    ("sa-east-1", "https://api.sae1.pure.cloud"),
    ("mx-central-1", "https://api.mxc1.pure.cloud"),
    ("eu-west-1", "https://api.mypurecloud.ie"),
    ("eu-west-2", "https://api.euw2.pure.cloud"),
    ("eu-central-1", "https://api.mypurecloud.de"),
    ("eu-central-2", "https://api.euc2.pure.cloud"),
    ("eusc-de-east-1", "https://api.edee1.eusc-pure.cloud"),
    ("me-central-1", "https://api.mec1.pure.cloud"),
    ("ap-south-1", "https://api.aps1.pure.cloud"),
    ("ap-southeast-1", "https://api.apse1.pure.cloud"),
    ("ap-southeast-2", "https://api.mypurecloud.com.au"),
    ("ap-northeast-1", "https://api.mypurecloud.jp"),
    ("ap-northeast-2", "https://api.apne2.pure.cloud"),
    ("ap-northeast-3", "https://api.apne3.pure.cloud"),
];

pub fn region_api_base(region: &str) -> Option<&'static str> {
    REGIONS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(region))
        .map(|(_, base)| *base)
}

pub fn login_base_for(api_base: &str) -> String {
    api_base.replacen("://api.", "://login.", 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_host_is_derived() {
        assert_eq!(
            region_api_base("eu-west-1"),
            Some("https://api.mypurecloud.ie")
        );
        assert_eq!(
            login_base_for(region_api_base("ap-southeast-2").unwrap()),
            "https://login.mypurecloud.com.au"
        );
        assert_eq!(region_api_base("mars-1"), None);
    }
}
