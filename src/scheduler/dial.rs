//! Placing callbacks on a platform that cannot dial them itself (CloudTalk): at the window,
//! a click-to-call rings the owner's phone and then the caller's, when the owner is online.

use std::collections::BTreeMap;
use std::sync::Arc;

use escalator_adapters::cloudtalk::CloudTalkClient;
use escalator_adapters::outbound::CallError;

use crate::store::DueNotification;

pub struct Dialer {
    client: Arc<CloudTalkClient>,
    /// Owner name → CloudTalk agent id (`vendors.cloudtalk.api.agents`).
    agents: BTreeMap<String, String>,
}

/// Why a callback was not dialled this time.
#[derive(Debug)]
pub enum NotDialled {
    /// Try again shortly (owner busy or offline, platform throttling).
    Later(String),
    /// Nothing will change by waiting: a person must act.
    Never(String),
}

impl Dialer {
    pub const VENDOR: &'static str = "cloudtalk";

    pub fn new(client: Arc<CloudTalkClient>, agents: BTreeMap<String, String>) -> Self {
        Self { client, agents }
    }

    /// Rings the owner, then the caller. Returns what to write in the callback's history.
    pub async fn dial(&self, n: &DueNotification) -> Result<String, NotDialled> {
        let Some(owner) = n.owner.as_deref() else {
            return Err(NotDialled::Never(
                "the callback has no owner to place it".into(),
            ));
        };
        let Some(agent) = self.agents.get(owner) else {
            return Err(NotDialled::Never(format!(
                "no CloudTalk agent id for owner {owner}: add it to vendors.cloudtalk.api.agents"
            )));
        };
        let Some(number) = n.number.as_deref() else {
            return Err(NotDialled::Never("no callback number is known".into()));
        };
        match self.client.agent(agent).await {
            Ok(Some(a)) if a.is_online() => {}
            Ok(Some(_)) => {
                return Err(NotDialled::Later(format!(
                    "owner {owner} is not online in CloudTalk"
                )))
            }
            Ok(None) => {
                return Err(NotDialled::Never(format!(
                    "CloudTalk has no agent {agent} (owner {owner})"
                )))
            }
            Err(e) => return Err(classify(e)),
        }
        self.client
            .click_to_call(agent, number)
            .await
            .map_err(classify)?;
        Ok(format!(
            "CloudTalk click-to-call from {owner}'s phone (agent {agent})"
        ))
    }
}

fn classify(e: CallError) -> NotDialled {
    if e.is_permanent() {
        NotDialled::Never(e.to_string())
    } else {
        NotDialled::Later(e.to_string())
    }
}
