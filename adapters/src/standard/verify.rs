//! Standard Webhooks signature verification.

use std::time::Duration;

use base64::Engine;
use hmac::{Hmac, Mac};
use http::HeaderMap;
use jiff::Timestamp;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::Secret;

/// Replay window, both directions.
pub const TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// A `whsec_` secret, decoded once.
#[derive(Clone)]
pub struct SigningKey(Vec<u8>);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(***)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    #[error("webhook-timestamp is not an integer")]
    BadTimestamp,
    #[error("webhook-timestamp is outside the 5-minute tolerance")]
    Stale,
    #[error("no signature matches")]
    NoMatch,
    #[error("webhook-signature holds no v1 signature in base64")]
    MalformedSignature,
    #[error("the secret must be whsec_ followed by base64")]
    BadSecret,
}

impl SigningKey {
    pub fn parse(secret: &Secret) -> Result<Self, VerifyError> {
        let b64 = secret.expose().trim();
        let b64 = b64.strip_prefix("whsec_").unwrap_or(b64);
        let key = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|_| VerifyError::BadSecret)?;
        if key.is_empty() {
            return Err(VerifyError::BadSecret);
        }
        Ok(Self(key))
    }
}

fn header<'h>(
    headers: &'h HeaderMap,
    name: &'static str,
    alias: &str,
) -> Result<&'h str, VerifyError> {
    headers
        .get(name)
        .or_else(|| headers.get(alias))
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or(VerifyError::MissingHeader(name))
}

/// The `webhook-signature` value for a message (what a producer sends; used by tests and
/// the load generator).
pub fn sign(key: &SigningKey, id: &str, timestamp: i64, body: &[u8]) -> String {
    let mac = signed_mac(key, id, &timestamp.to_string(), body);
    let digest = mac
        .map(|m| m.finalize().into_bytes().to_vec())
        .unwrap_or_default();
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

fn signed_mac(key: &SigningKey, id: &str, ts: &str, body: &[u8]) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(&key.0).ok()?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(ts.as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(mac)
}

/// Verifies against the current time; returns the `webhook-id`.
pub fn verify<'h>(
    keys: &[SigningKey],
    headers: &'h HeaderMap,
    body: &[u8],
) -> Result<&'h str, VerifyError> {
    verify_at(keys, headers, body, Timestamp::now())
}

/// Verifies as if at `now` (the published test vectors carry fixed old timestamps).
pub fn verify_at<'h>(
    keys: &[SigningKey],
    headers: &'h HeaderMap,
    body: &[u8],
    now: Timestamp,
) -> Result<&'h str, VerifyError> {
    let id = header(headers, "webhook-id", "svix-id")?;
    let ts_text = header(headers, "webhook-timestamp", "svix-timestamp")?;
    let signatures = header(headers, "webhook-signature", "svix-signature")?;
    let ts: i64 = ts_text.parse().map_err(|_| VerifyError::BadTimestamp)?;
    let skew = now.as_second().abs_diff(ts);
    if skew > TOLERANCE.as_secs() {
        return Err(VerifyError::Stale);
    }
    let presented: Vec<Vec<u8>> = signatures
        .split(' ')
        .filter_map(|entry| entry.strip_prefix("v1,"))
        .filter_map(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
        .filter(|sig| !sig.is_empty())
        .collect();
    if presented.is_empty() {
        return Err(VerifyError::MalformedSignature);
    }
    for key in keys {
        let Some(mac) = signed_mac(key, id, ts_text, body) else {
            continue;
        };
        let expected = mac.finalize().into_bytes();
        if presented
            .iter()
            .any(|sig| bool::from(sig.as_slice().ct_eq(expected.as_slice())))
        {
            return Ok(id);
        }
    }
    Err(VerifyError::NoMatch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn key(s: &str) -> SigningKey {
        SigningKey::parse(&Secret::new(s)).unwrap()
    }

    fn headers(id: &str, ts: &str, sig: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("webhook-id", HeaderValue::from_str(id).unwrap());
        h.insert("webhook-timestamp", HeaderValue::from_str(ts).unwrap());
        h.insert("webhook-signature", HeaderValue::from_str(sig).unwrap());
        h
    }

    fn at(ts: i64) -> Timestamp {
        Timestamp::from_second(ts).unwrap()
    }

    // Published vectors: shared/anchors.md A1 (standard-webhooks test suites).
    const SW1_KEY: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SW1_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const SW1_TS: i64 = 1614265330;
    const SW1_BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SW1_SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    const SW2_KEY: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    const SW2_ID: &str = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
    const SW2_TS: i64 = 1649367553;
    const SW2_BODY: &[u8] = br#"{"email":"test@example.com","username":"test_user"}"#;
    const SW2_SIG: &str = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";

    #[test]
    fn published_vectors_verify() {
        let h = headers(SW1_ID, &SW1_TS.to_string(), SW1_SIG);
        assert_eq!(
            verify_at(&[key(SW1_KEY)], &h, SW1_BODY, at(SW1_TS)),
            Ok(SW1_ID)
        );
        let h = headers(SW2_ID, &SW2_TS.to_string(), SW2_SIG);
        assert_eq!(
            verify_at(&[key(SW2_KEY)], &h, SW2_BODY, at(SW2_TS)),
            Ok(SW2_ID)
        );
    }

    #[test]
    fn published_negative_vectors_fail() {
        let h = headers(
            SW1_ID,
            &SW1_TS.to_string(),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=",
        );
        assert_eq!(
            verify_at(&[key(SW1_KEY)], &h, SW1_BODY, at(SW1_TS)),
            Err(VerifyError::NoMatch)
        );
        let ts = SW2_TS.to_string();
        for (sig, refused) in [
            (
                "v1,R3PTzyfHASBKHH98a7yexTwaJ4yNIcGhFQc1yuN+BPU=",
                VerifyError::NoMatch,
            ),
            // No v1 signature to compare at all.
            ("v1,", VerifyError::MalformedSignature),
            ("v1", VerifyError::MalformedSignature),
            (
                "tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=",
                VerifyError::MalformedSignature,
            ),
        ] {
            let h = headers(SW2_ID, &ts, sig);
            assert_eq!(
                verify_at(&[key(SW2_KEY)], &h, SW2_BODY, at(SW2_TS)),
                Err(refused),
                "{sig}"
            );
        }
        // A body changed after signing.
        let h = headers(SW2_ID, &ts, SW2_SIG);
        assert_eq!(
            verify_at(
                &[key(SW2_KEY)],
                &h,
                br#"{"email":"test@example.com","username":"test_user2"}"#,
                at(SW2_TS)
            ),
            Err(VerifyError::NoMatch)
        );
    }

    #[test]
    fn any_signature_of_a_rotation_list_may_match() {
        let others = "v1,tFtCZ5RDCPxzWQRWXWPgrCgE2frDBe9gjpbWQxnVfsQ= v1,Mm7xgUVICxZfQ3bgf0h0Dof65L/IFx+PnZvnDWPCX6Q=";
        let tail = "v1,9DfC1c3eeOrXB6w/5dIDydLNQaEyww5KalE5jLBZucE=";
        let ts = SW2_TS.to_string();
        let h = headers(SW2_ID, &ts, &format!("{others} {SW2_SIG} {tail}"));
        assert!(verify_at(&[key(SW2_KEY)], &h, SW2_BODY, at(SW2_TS)).is_ok());
        let h = headers(SW2_ID, &ts, &format!("{others} {tail}"));
        assert_eq!(
            verify_at(&[key(SW2_KEY)], &h, SW2_BODY, at(SW2_TS)),
            Err(VerifyError::NoMatch)
        );
        // Several configured keys: the old one still verifies during rotation.
        let h = headers(SW1_ID, &SW1_TS.to_string(), SW1_SIG);
        assert!(verify_at(&[key(SW2_KEY), key(SW1_KEY)], &h, SW1_BODY, at(SW1_TS)).is_ok());
    }

    #[test]
    fn timestamp_tolerance_is_five_minutes_each_way() {
        let h = headers(SW1_ID, &SW1_TS.to_string(), SW1_SIG);
        let k = [key(SW1_KEY)];
        assert!(verify_at(&k, &h, SW1_BODY, at(SW1_TS + 300)).is_ok());
        assert!(verify_at(&k, &h, SW1_BODY, at(SW1_TS - 300)).is_ok());
        assert_eq!(
            verify_at(&k, &h, SW1_BODY, at(SW1_TS + 301)),
            Err(VerifyError::Stale)
        );
        assert_eq!(
            verify_at(&k, &h, SW1_BODY, at(SW1_TS - 301)),
            Err(VerifyError::Stale)
        );
    }

    #[test]
    fn missing_headers_bad_timestamps_and_bad_secrets() {
        let k = [key(SW1_KEY)];
        for missing in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
            let mut h = headers(SW1_ID, &SW1_TS.to_string(), SW1_SIG);
            h.remove(missing);
            assert!(matches!(
                verify_at(&k, &h, SW1_BODY, at(SW1_TS)),
                Err(VerifyError::MissingHeader(_))
            ));
        }
        let h = headers(SW1_ID, "soon", SW1_SIG);
        assert_eq!(
            verify_at(&k, &h, SW1_BODY, at(SW1_TS)),
            Err(VerifyError::BadTimestamp)
        );
        assert_eq!(
            SigningKey::parse(&Secret::new("whsec_")).unwrap_err(),
            VerifyError::BadSecret
        );
        assert_eq!(
            SigningKey::parse(&Secret::new("whsec_!!")).unwrap_err(),
            VerifyError::BadSecret
        );
    }

    #[test]
    fn sign_reproduces_the_published_vector() {
        assert_eq!(sign(&key(SW1_KEY), SW1_ID, SW1_TS, SW1_BODY), SW1_SIG);
    }

    #[test]
    fn svix_header_names_are_accepted() {
        let mut h = HeaderMap::new();
        h.insert("svix-id", HeaderValue::from_static(SW1_ID));
        h.insert("svix-timestamp", HeaderValue::from_static("1614265330"));
        h.insert("svix-signature", HeaderValue::from_static(SW1_SIG));
        assert!(verify_at(&[key(SW1_KEY)], &h, SW1_BODY, at(SW1_TS)).is_ok());
    }
}
