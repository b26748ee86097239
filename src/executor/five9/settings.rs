//! `[vendors.five9.api]` → the client's settings. Every error names the key to fix.

use escalator_adapters::five9::{Five9Config, Five9Credentials, Five9Region};

use crate::config::Five9Api;

/// The client's settings from `[vendors.five9.api]`; every error names the key to fix.
pub(super) fn client_config(
    api: &Five9Api,
    admin: Option<Five9Credentials>,
    agents: Vec<Five9Credentials>,
) -> Result<Five9Config, String> {
    let region = Five9Region::from_name(&api.region);
    let unknown_region = || {
        format!(
            "vendors.five9.api.region {:?} is unknown (us, ca, uk, eu or in)",
            api.region
        )
    };
    let base = |key: &str, value: &Option<String>| -> Result<Option<String>, String> {
        match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            Some(v) if v.starts_with("https://") || v.starts_with("http://") => {
                Ok(Some(v.to_string()))
            }
            Some(_) => Err(format!("vendors.five9.api.{key} must be an http(s) URL")),
            None => Ok(None),
        }
    };
    let mut c = Five9Config::for_region(region.unwrap_or(Five9Region::Us));
    if admin.is_some() {
        c.admin_base = match base("admin_base", &api.admin_base)? {
            Some(b) => b,
            None => region.ok_or_else(unknown_region)?.admin_base().to_string(),
        };
        if api.callback_list.trim().is_empty() {
            return Err(
                "vendors.five9.api.callback_list is empty: name the dialing list \
                        that holds scheduled callbacks"
                    .into(),
            );
        }
    }
    if !agents.is_empty() {
        c.agent_login_base = match base("agent_login_base", &api.agent_login_base)? {
            Some(b) => b,
            None => region
                .ok_or_else(unknown_region)?
                .agent_login_base()
                .ok_or_else(|| {
                    "vendors.five9.api.agent_login_base must be set: Five9 publishes no \
                     Agent REST login host for this region"
                        .to_string()
                })?
                .to_string(),
        };
    }
    c.agent_api_base = base("agent_api_base", &api.agent_api_base)?;
    // The data-center host comes from the login's metadata without a scheme; it is
    // served like the login host (https in production, http only for a local mock).
    if c.agent_login_base.starts_with("http://") {
        c.data_center_scheme = "http".into();
    }
    let group = api.cav_group.trim();
    if group.is_empty()
        || group
            .chars()
            .any(|ch| ".:/\\<>\"".contains(ch) || ch.is_control())
    {
        return Err(
            "vendors.five9.api.cav_group must be a call-variable group name \
                    (e.g. Escalator)"
                .into(),
        );
    }
    c.cav_group = group.to_string();
    c.admin = admin;
    c.agents = agents;
    Ok(c)
}

#[cfg(test)]
mod tests {
    use escalator_adapters::Secret;

    use super::super::Five9Executor;
    use crate::config::{
        Config, Secrets, ENV_FIVE9_ADMIN_PASSWORD, ENV_FIVE9_ADMIN_USER,
        ENV_FIVE9_AGENT_CREDENTIALS,
    };

    fn build(config: &Config, env: &[(&'static str, &str)]) -> Result<bool, String> {
        let secrets = Secrets {
            api: env.iter().map(|(k, v)| (*k, Secret::new(*v))).collect(),
            ..Secrets::default()
        };
        Five9Executor::build(config, &secrets, &reqwest::Client::new()).map(|e| e.is_some())
    }

    const ADMIN: [(&str, &str); 2] = [
        (ENV_FIVE9_ADMIN_USER, "admin"),
        (ENV_FIVE9_ADMIN_PASSWORD, "hunter2"),
    ];

    #[test]
    fn dry_run_only_without_any_credentials_or_when_disabled() {
        let config = Config::default();
        assert_eq!(build(&config, &[]), Ok(false));
        assert_eq!(build(&config, &ADMIN), Ok(true));
        assert_eq!(
            build(&config, &[(ENV_FIVE9_AGENT_CREDENTIALS, "sam:pw")]),
            Ok(true)
        );
        let mut disabled = Config::default();
        disabled.vendors.five9.enabled = Some(false);
        assert_eq!(build(&disabled, &ADMIN), Ok(false));
    }

    #[test]
    fn unusable_settings_name_the_key_and_never_a_password() {
        let config = Config::default();
        let e = build(&config, &[(ENV_FIVE9_AGENT_CREDENTIALS, "sam:ok,hunter2")]).unwrap_err();
        assert!(
            e.contains(ENV_FIVE9_AGENT_CREDENTIALS) && !e.contains("hunter2"),
            "{e}"
        );
        let e = build(&config, &[(ENV_FIVE9_ADMIN_PASSWORD, "hunter2")]).unwrap_err();
        assert!(
            e.contains(ENV_FIVE9_ADMIN_USER) && !e.contains("hunter2"),
            "{e}"
        );

        let with = |f: fn(&mut Config)| {
            let mut c = Config::default();
            f(&mut c);
            c
        };
        for (config, key) in [
            (
                with(|c| c.vendors.five9.api.region = "mars".into()),
                "region",
            ),
            (
                with(|c| c.vendors.five9.api.callback_list = " ".into()),
                "callback_list",
            ),
            (
                with(|c| c.vendors.five9.api.cav_group = "A.B".into()),
                "cav_group",
            ),
            (
                with(|c| c.vendors.five9.api.admin_base = Some("api.five9.com".into())),
                "admin_base",
            ),
        ] {
            let e = build(&config, &ADMIN).unwrap_err();
            assert!(e.contains(&format!("vendors.five9.api.{key}")), "{e}");
        }
        // India has no published Agent REST login host: it must be given.
        let india = with(|c| c.vendors.five9.api.region = "in".into());
        assert_eq!(build(&india, &ADMIN), Ok(true));
        let e = build(&india, &[(ENV_FIVE9_AGENT_CREDENTIALS, "sam:pw")]).unwrap_err();
        assert!(e.contains("vendors.five9.api.agent_login_base"), "{e}");
    }
}
