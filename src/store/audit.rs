//! Tamper evidence for escalation records. Every step of every escalation is one link of a
//! single hash chain: its hash covers the previous link's hash, its own sequence number,
//! escalation, time, step and detail, and — for the `decided` step — the escalation's
//! evidence (reference, call, tier, team, triggers with the verbatim words, time). Altering,
//! removing or reordering any stored record breaks the chain at that record; `audit_head`
//! keeps the last link, so records removed at the end are noticed too.
//!
//! With `ESCALATOR_AUDIT_KEY` set the links are HMAC-SHA256 under that key, so someone
//! with write access to the database but not the key cannot re-forge the chain; without
//! it they are plain SHA-256 (evidence of accidental or casual change only).

use escalator_adapters::Secret;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use super::{now_text, Store, StoreError};

/// The hash before the first link.
const GENESIS: &str = "escalator-audit-v1";

/// How links are computed.
#[derive(Debug, Clone, Default)]
pub struct AuditKey(Option<Secret>);

impl AuditKey {
    pub fn new(key: Option<Secret>) -> Self {
        Self(key)
    }

    fn link(&self, prev: &str, content: &Content<'_>) -> String {
        let text = format!(
            "{prev}\n{}\n{}\n{}\n{}\n{}\n{}",
            content.seq,
            content.escalation_id,
            content.at,
            content.step,
            content.detail,
            content.evidence.unwrap_or("")
        );
        let bytes: Vec<u8> = match &self.0 {
            Some(key) => match Hmac::<Sha256>::new_from_slice(key.expose().as_bytes()) {
                Ok(mut mac) => {
                    mac.update(text.as_bytes());
                    mac.finalize().into_bytes().to_vec()
                }
                // HMAC takes keys of any length; this arm cannot be reached.
                Err(_) => Sha256::digest(text.as_bytes()).to_vec(),
            },
            None => Sha256::digest(text.as_bytes()).to_vec(),
        };
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}

struct Content<'a> {
    seq: i64,
    escalation_id: &'a str,
    at: &'a str,
    step: &'a str,
    detail: &'a str,
    evidence: Option<&'a str>,
}

/// The first record that does not hold, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenRecord {
    /// The step's sequence number (`escalation_steps.id`), or the head's.
    pub seq: i64,
    pub escalation_id: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    pub checked: u64,
    pub head: Option<String>,
    pub first_broken: Option<BrokenRecord>,
}

/// An escalation's evidence as the chain covers it.
fn evidence(row: &sqlx::any::AnyRow) -> String {
    let get = |c: &str| row.try_get::<String, _>(c).unwrap_or_default();
    [
        "reference",
        "vendor",
        "call_id",
        "event_id",
        "tier",
        "team",
        "decision",
        "decided_at",
    ]
    .iter()
    .map(|c| get(c))
    .collect::<Vec<_>>()
    .join("\n")
}

/// Appends one step as the chain's next link, in the caller's transaction.
pub(super) async fn append_step(
    tx: &mut AnyConnection,
    key: &AuditKey,
    escalation_id: &str,
    step: &str,
    detail: &str,
) -> Result<(), StoreError> {
    // Taking the head serialises appends (one writer on SQLite; a row lock elsewhere).
    let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut *tx)
        .await?;
    let seq: i64 = head.get("seq");
    let prev: String = head
        .get::<Option<String>, _>("hash")
        .unwrap_or_else(|| GENESIS.to_string());
    let evidence = if step == "decided" {
        let row = sqlx::query("SELECT * FROM escalations WHERE id = $1")
            .bind(escalation_id)
            .fetch_one(&mut *tx)
            .await?;
        Some(evidence(&row))
    } else {
        None
    };
    let at = now_text();
    let hash = key.link(
        &prev,
        &Content {
            seq,
            escalation_id,
            at: &at,
            step,
            detail,
            evidence: evidence.as_deref(),
        },
    );
    sqlx::query(
        "INSERT INTO escalation_steps (id, escalation_id, at, step, detail, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(seq)
    .bind(escalation_id)
    .bind(&at)
    .bind(step)
    .bind(detail)
    .bind(&prev)
    .bind(&hash)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&hash)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

impl Store {
    /// Seals steps written before the chain existed (once, at start-up).
    pub(super) async fn seal_unsealed(&self) -> Result<(), StoreError> {
        let mut tx = self.backend.begin(&self.writer).await?;
        let rows = sqlx::query(
            "SELECT s.id, s.escalation_id, s.at, s.step, s.detail, e.reference, e.vendor,
                    e.call_id, e.event_id, e.tier, e.team, e.decision, e.decided_at
             FROM escalation_steps s LEFT JOIN escalations e ON e.id = s.escalation_id
             WHERE s.hash IS NULL ORDER BY s.id",
        )
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut prev = GENESIS.to_string();
        for row in &rows {
            let content = Stored::of(row);
            let hash = self.audit.link(&prev, &content.content());
            sqlx::query("UPDATE escalation_steps SET prev_hash = $1, hash = $2 WHERE id = $3")
                .bind(&prev)
                .bind(&hash)
                .bind(content.seq)
                .execute(&mut *tx)
                .await?;
            prev = hash;
        }
        sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
            .bind(&prev)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(
            sealed = rows.len(),
            "earlier escalation steps sealed into the audit chain"
        );
        Ok(())
    }

    /// Walks the whole chain and names the first record that does not hold.
    pub async fn verify_audit(&self) -> Result<AuditReport, StoreError> {
        let rows = sqlx::query(
            "SELECT s.id, s.escalation_id, s.at, s.step, s.detail, s.prev_hash, s.hash,
                    e.reference, e.vendor, e.call_id, e.event_id, e.tier, e.team, e.decision,
                    e.decided_at, e.id AS found
             FROM escalation_steps s LEFT JOIN escalations e ON e.id = s.escalation_id
             ORDER BY s.id",
        )
        .fetch_all(&self.reader)
        .await?;
        let mut prev = GENESIS.to_string();
        let mut checked = 0u64;
        let broken = |row: &sqlx::any::AnyRow, reason: &str| BrokenRecord {
            seq: row.get("id"),
            escalation_id: row.get("escalation_id"),
            reason: reason.to_string(),
        };
        for row in &rows {
            let content = Stored::of(row);
            let stored_prev: Option<String> = row.get("prev_hash");
            let stored: Option<String> = row.get("hash");
            let first_broken = if stored_prev.as_deref() != Some(prev.as_str()) {
                Some(broken(
                    row,
                    "does not follow the record before it: a record was removed or reordered here",
                ))
            } else if content.step == "decided" && row.get::<Option<String>, _>("found").is_none() {
                Some(broken(row, "the escalation it decided is missing"))
            } else if stored.as_deref() != Some(self.audit.link(&prev, &content.content()).as_str())
            {
                Some(broken(
                    row,
                    if content.step == "decided" {
                        "its content or the escalation's evidence was altered"
                    } else {
                        "its content was altered"
                    },
                ))
            } else {
                None
            };
            if first_broken.is_some() {
                return Ok(AuditReport {
                    checked,
                    head: stored,
                    first_broken,
                });
            }
            prev = stored.unwrap_or_default();
            checked += 1;
        }
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&self.reader)
            .await?;
        let head_seq: i64 = head.get("seq");
        let head_hash: Option<String> = head.get("hash");
        let last_seq = rows.last().map(|r| r.get::<i64, _>("id")).unwrap_or(0);
        let expected = if rows.is_empty() {
            None
        } else {
            Some(prev.clone())
        };
        let first_broken = (head_hash != expected || head_seq != last_seq).then(|| BrokenRecord {
            seq: last_seq + 1,
            escalation_id: None,
            reason: format!(
                "the chain ends at record {last_seq} but its head says {head_seq}: records were removed at the end"
            ),
        });
        Ok(AuditReport {
            checked,
            head: expected,
            first_broken,
        })
    }
}

/// One stored step's fields, and the escalation's evidence for a `decided` step.
struct Stored {
    seq: i64,
    escalation_id: String,
    at: String,
    step: String,
    detail: String,
    evidence: Option<String>,
}

impl Stored {
    fn of(row: &sqlx::any::AnyRow) -> Self {
        let step: String = row.get("step");
        Self {
            seq: row.get("id"),
            escalation_id: row.get("escalation_id"),
            at: row.get("at"),
            evidence: (step == "decided").then(|| evidence(row)),
            step,
            detail: row.get("detail"),
        }
    }

    fn content(&self) -> Content<'_> {
        Content {
            seq: self.seq,
            escalation_id: &self.escalation_id,
            at: &self.at,
            step: &self.step,
            detail: &self.detail,
            evidence: self.evidence.as_deref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content() -> Content<'static> {
        Content {
            seq: 7,
            escalation_id: "e1",
            at: "2026-11-26T10:00:00Z",
            step: "decided",
            detail: "specialist tier, team legal",
            evidence: Some("ESC-1\ngenesys\ncall-1"),
        }
    }

    #[test]
    fn a_link_depends_on_every_field_and_on_the_key() {
        let plain = AuditKey::default();
        let base = plain.link(GENESIS, &content());
        assert_eq!(base.len(), 64);
        assert_ne!(base, plain.link("other", &content()));
        assert_ne!(
            base,
            plain.link(
                GENESIS,
                &Content {
                    seq: 8,
                    ..content()
                }
            )
        );
        assert_ne!(
            base,
            plain.link(
                GENESIS,
                &Content {
                    evidence: Some("ESC-1\ngenesys\ncall-2"),
                    ..content()
                }
            )
        );
        let keyed = AuditKey::new(Some(Secret::new("k1")));
        let other = AuditKey::new(Some(Secret::new("k2")));
        assert_ne!(keyed.link(GENESIS, &content()), base);
        assert_ne!(
            keyed.link(GENESIS, &content()),
            other.link(GENESIS, &content())
        );
    }
}
