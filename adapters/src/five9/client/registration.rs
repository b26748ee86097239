//! Registration (§7): the Web Connectors of `five9::template`, as
//! `createWebConnector` requests. The connector names, triggers, parameters and
//! dispositions come from `template.rs`, so what the admin would paste and what the API
//! creates cannot drift apart.

use std::fmt;

use super::admin::create_web_connector_request;
use super::soap::{element, escape};
use super::SoapRequest;
use crate::five9::template::{
    base_url, keys, CONNECTORS, CONNECTOR_VARIABLES, ESCALATION_DISPOSITIONS,
};

/// A `webConnector` as Escalator creates it. Constant values can hold the shared secret,
/// so `Debug` shows constant keys only.
#[derive(Clone, PartialEq, Eq)]
pub struct WebConnector {
    pub name: String,
    pub description: String,
    pub url: String,
    /// `webConnectorTriggerType` (`OnCallAccepted`…).
    pub trigger: String,
    /// Dispositions firing an `OnCallDispositioned` connector; they must exist first.
    pub trigger_dispositions: Vec<String>,
    /// Constant parameters, key → value.
    pub constants: Vec<(String, String)>,
    /// Call-data parameters, key → `@Group.Var@` placeholder.
    pub variables: Vec<(String, String)>,
}

impl fmt::Debug for WebConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebConnector")
            .field("name", &self.name)
            .field("url", &self.url)
            .field("trigger", &self.trigger)
            .field("trigger_dispositions", &self.trigger_dispositions)
            .field(
                "constants",
                &self.constants.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("variables", &self.variables)
            .finish()
    }
}

/// The connectors of the paste-ready template, one per trigger, pointing at
/// `{base}/webhooks/five9` (`url` may be the base or already end in an Escalator path).
pub fn escalator_connectors(url: &str, secret: &str) -> Vec<WebConnector> {
    let events = format!("{}/webhooks/five9", base_url(url));
    CONNECTORS
        .iter()
        .map(|c| WebConnector {
            name: c.name.to_string(),
            description: format!("Escalator: {}", c.note),
            url: events.clone(),
            trigger: c.trigger.to_string(),
            trigger_dispositions: if c.trigger == "OnCallDispositioned" {
                ESCALATION_DISPOSITIONS
                    .iter()
                    .map(|d| d.to_string())
                    .collect()
            } else {
                Vec::new()
            },
            constants: vec![
                (keys::SECRET.to_string(), secret.to_string()),
                (keys::TRIGGER.to_string(), c.trigger.to_string()),
            ],
            variables: CONNECTOR_VARIABLES
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        })
        .collect()
}

/// Every request registration would send, unsent (for `--dry-run`); each request's
/// [`SoapRequest::dry_run`] masks the secret.
pub fn registration_requests(admin_base: &str, url: &str, secret: &str) -> Vec<SoapRequest> {
    escalator_connectors(url, secret)
        .iter()
        .map(|c| create_web_connector_request(admin_base, c))
        .collect()
}

/// The `webConnector` children in the WSDL's `xs:sequence` order (alphabetical:
/// addWorksheet, agentApplication, clearTriggerDispositions, constants, ctiWebServices,
/// description, executeInBrowser, name, postConstants, postMethod, postVariables,
/// startPageText, trigger, triggerDispositions, url, variables). `masked` replaces the
/// secret constant's value with `***`.
pub(super) fn connector_xml(c: &WebConnector, masked: bool) -> String {
    let pair = |tag: &str, k: &str, v: &str| {
        format!(
            "<{tag}>{}{}</{tag}>",
            element("key", k),
            element("value", v)
        )
    };
    let mut out = String::from(
        "<addWorksheet>false</addWorksheet><agentApplication>EmbeddedBrowser</agentApplication>",
    );
    for (k, v) in &c.constants {
        let v = if masked && k == keys::SECRET {
            "***"
        } else {
            v
        };
        out.push_str(&pair("constants", k, v));
    }
    out.push_str("<ctiWebServices>CurrentBrowserWindow</ctiWebServices>");
    out.push_str(&element("description", &c.description));
    // No browser window: the request is sent in the background, which the guide calls
    // "the desired action when using the On Call disposition triggers".
    out.push_str("<executeInBrowser>false</executeInBrowser>");
    out.push_str(&element("name", &c.name));
    // POST: parameters travel as form fields in the body (normalize reads both).
    out.push_str("<postMethod>true</postMethod>");
    out.push_str(&element("trigger", &c.trigger));
    for d in &c.trigger_dispositions {
        out.push_str(&element("triggerDispositions", d));
    }
    out.push_str(&format!("<url>{}</url>", escape(&c.url)));
    for (k, v) in &c.variables {
        out.push_str(&pair("variables", k, v));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_connector_per_template_trigger() {
        let cs = escalator_connectors("https://esc.example.com/", "s3cret");
        assert_eq!(cs.len(), CONNECTORS.len());
        for c in &cs {
            assert_eq!(c.url, "https://esc.example.com/webhooks/five9");
            assert!(c
                .constants
                .contains(&(keys::SECRET.into(), "s3cret".into())));
            assert!(!format!("{c:?}").contains("s3cret"));
        }
        let dispositioned = cs
            .iter()
            .find(|c| c.trigger == "OnCallDispositioned")
            .unwrap();
        assert_eq!(
            dispositioned.trigger_dispositions.len(),
            ESCALATION_DISPOSITIONS.len()
        );
    }

    #[test]
    fn elements_follow_the_wsdl_sequence() {
        let c = &escalator_connectors("https://esc.example.com", "s3cret")[2];
        let xml = connector_xml(c, false);
        let order = [
            "<addWorksheet>",
            "<agentApplication>",
            "<constants>",
            "<ctiWebServices>",
            "<description>",
            "<executeInBrowser>",
            "<name>",
            "<postMethod>",
            "<trigger>",
            "<triggerDispositions>",
            "<url>",
            "<variables>",
        ];
        let positions: Vec<usize> = order.iter().map(|t| xml.find(t).unwrap()).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{xml}");
        assert!(!connector_xml(c, true).contains("s3cret"));
    }
}
