//! Register and remove: sequences of the one-request calls in `api.rs`. Each step is pushed
//! to `done` as it completes, so a failure part-way still reports what was done before it.

use super::super::client::GenesysClient;
use super::super::template;
use super::{
    full_topic, trigger_body, trigger_name, Change, Kind, Registered, RegistrationSpec,
    INTEGRATION_NAME, TRIGGER_TOPICS,
};
use crate::outbound::CallError;

fn record(done: &mut Vec<Registered>, kind: Kind, name: &str, id: Option<&str>, change: Change) {
    done.push(Registered {
        kind,
        name: name.to_string(),
        id: id.map(str::to_string),
        change,
    });
}

impl GenesysClient {
    /// Creates what is missing of `spec`, found by name: the integration (with its
    /// credential) and the data actions are left as they are when they exist; triggers are
    /// updated. Stops at the first failed request.
    pub async fn register(
        &self,
        spec: &RegistrationSpec,
        done: &mut Vec<Registered>,
    ) -> Result<(), CallError> {
        spec.check()?;
        let integration_id = self.ensure_integration(spec, done).await?;
        let existing = self.named_actions().await?;
        for action in template::actions(&spec.escalator_url, &spec.header, &integration_id) {
            let name = action["name"].as_str().unwrap_or_default().to_string();
            match existing.iter().find(|(_, n)| *n == name) {
                Some((id, _)) => record(done, Kind::Action, &name, Some(id), Change::Exists),
                None => {
                    let id = self.create_action(&action).await?;
                    record(done, Kind::Action, &name, Some(&id), Change::Created);
                }
            }
        }
        let triggers = self.list_triggers().await?;
        for (short, voice) in TRIGGER_TOPICS {
            let name = trigger_name(short);
            let Some(workflow) = spec.workflow_for(short) else {
                let why = "no workflow id: build the Architect workflow that calls \"Escalator - forward event\", then register again with --workflow <id>";
                record(
                    done,
                    Kind::Trigger,
                    &name,
                    None,
                    Change::Skipped(why.into()),
                );
                continue;
            };
            let mut body = trigger_body(short, voice, workflow, &spec.escalator_url);
            match triggers.iter().find(|t| t.name == name) {
                Some(t) if t.topic_name != full_topic(short) => {
                    // Genesys cannot change a trigger's topic; deleting someone's edit is not ours to do.
                    let why = format!(
                        "exists with topic {:?}, which Genesys cannot change: remove it (--id {}) and register again",
                        t.topic_name, t.id
                    );
                    record(
                        done,
                        Kind::Trigger,
                        &name,
                        Some(&t.id),
                        Change::Conflict(why),
                    );
                }
                Some(t) => {
                    body["version"] = t.version.into();
                    self.update_trigger(&t.id, &body).await?;
                    record(done, Kind::Trigger, &name, Some(&t.id), Change::Updated);
                }
                None => {
                    let id = self.create_trigger(&body).await?;
                    record(done, Kind::Trigger, &name, Some(&id), Change::Created);
                }
            }
        }
        Ok(())
    }

    async fn ensure_integration(
        &self,
        spec: &RegistrationSpec,
        done: &mut Vec<Registered>,
    ) -> Result<String, CallError> {
        if let Some(id) = self
            .named(Kind::Integration, INTEGRATION_NAME)
            .await?
            .into_iter()
            .next()
        {
            record(
                done,
                Kind::Integration,
                INTEGRATION_NAME,
                Some(&id),
                Change::Exists,
            );
            return Ok(id);
        }
        let credential = self
            .create_credential(&template::credential(spec.secret.expose()))
            .await?;
        record(
            done,
            Kind::Credential,
            template::CREDENTIAL_NAME,
            Some(&credential),
            Change::Created,
        );
        let id = self.create_integration().await?;
        record(
            done,
            Kind::Integration,
            INTEGRATION_NAME,
            Some(&id),
            Change::Created,
        );
        self.configure_integration(&id, &credential)
            .await
            .map_err(|e| credential_hint(e, &id))?;
        self.enable_integration(&id).await?;
        Ok(id)
    }

    async fn named_actions(&self) -> Result<Vec<(String, String)>, CallError> {
        let mut out = Vec::new();
        for name in ["Escalator - forward event", "Escalator - route call"] {
            for id in self.named(Kind::Action, name).await? {
                out.push((id, name.to_string()));
            }
        }
        Ok(out)
    }

    /// Deletes Escalator's objects (all of them, or those among `ids`), triggers first so
    /// nothing fires into a half-removed chain. Returns the `ids` that are not Escalator's
    /// (or no longer exist): those are left alone.
    pub async fn remove_own(
        &self,
        ids: &[String],
        done: &mut Vec<Registered>,
    ) -> Result<Vec<String>, CallError> {
        let mut own = self.own_objects().await?;
        let unknown = ids
            .iter()
            .filter(|id| !own.iter().any(|o| &o.id == *id))
            .cloned()
            .collect();
        own.retain(|o| ids.is_empty() || ids.contains(&o.id));
        own.sort_by_key(|o| std::cmp::Reverse(o.kind));
        for o in own {
            let gone = match o.kind {
                Kind::Trigger => self.delete_trigger(&o.id).await?,
                Kind::Action => self.delete_action(&o.id).await?,
                Kind::Integration => self.delete_integration(&o.id).await?,
                Kind::Credential => self.delete_credential(&o.id).await?,
            };
            let change = if gone {
                Change::Deleted
            } else {
                Change::AlreadyGone
            };
            record(done, o.kind, &o.name, Some(&o.id), change);
        }
        Ok(unknown)
    }
}

/// The UNCONFIRMED credential key: when Genesys refuses it, say what to do by hand.
fn credential_hint(e: CallError, integration_id: &str) -> CallError {
    match e {
        CallError::Permanent { status, message } => CallError::Permanent {
            status,
            message: format!(
                "{message} (attaching the credential to integration {integration_id} was refused: in Admin > Integrations > {INTEGRATION_NAME} > Configuration > Credentials, select {}, set the integration Active, then register again)",
                template::CREDENTIAL_NAME
            ),
        },
        other => other,
    }
}
