//! Authentication of inbound deliveries by a shared secret: a header carrying the secret,
//! or HTTP Basic. Platforms without request signing (Genesys data actions, EventBridge
//! API destinations) offer exactly these. Comparisons are constant-time.

use base64::Engine;
use http::HeaderMap;
use subtle::ConstantTimeEq;

use crate::Secret;

#[derive(Debug, Clone)]
pub enum InboundAuth {
    /// A header (e.g. `X-Escalator-Token`) whose value is the shared secret.
    SharedSecretHeader { header: String, secret: Secret },
    /// `Authorization: Basic base64(user:password)`.
    Basic { user: String, password: Secret },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("missing credentials")]
    Missing,
    #[error("invalid credentials")]
    Invalid,
}

impl InboundAuth {
    pub fn verify(&self, headers: &HeaderMap) -> Result<(), AuthError> {
        match self {
            InboundAuth::SharedSecretHeader { header, secret } => {
                let presented = headers.get(header.as_str()).ok_or(AuthError::Missing)?;
                constant_time_eq(presented.as_bytes(), secret.expose().as_bytes())
            }
            InboundAuth::Basic { user, password } => {
                let value = headers
                    .get(http::header::AUTHORIZATION)
                    .ok_or(AuthError::Missing)?
                    .to_str()
                    .map_err(|_| AuthError::Invalid)?;
                let encoded = value
                    .strip_prefix("Basic ")
                    .or_else(|| value.strip_prefix("basic "))
                    .ok_or(AuthError::Invalid)?;
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(encoded.trim())
                    .map_err(|_| AuthError::Invalid)?;
                let expected = format!("{user}:{}", password.expose());
                constant_time_eq(&decoded, expected.as_bytes())
            }
        }
    }
}

fn constant_time_eq(presented: &[u8], expected: &[u8]) -> Result<(), AuthError> {
    // `ct_eq` on slices of different length returns false without leaking where they differ.
    if bool::from(presented.ct_eq(expected)) {
        Ok(())
    } else {
        Err(AuthError::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn header_auth() -> InboundAuth {
        InboundAuth::SharedSecretHeader {
            header: "x-escalator-token".into(),
            secret: Secret::new("s3cret"),
        }
    }

    #[test]
    fn shared_secret_header() {
        let auth = header_auth();
        let mut h = HeaderMap::new();
        assert_eq!(auth.verify(&h), Err(AuthError::Missing));
        h.insert("X-Escalator-Token", HeaderValue::from_static("s3cret"));
        assert_eq!(auth.verify(&h), Ok(()));
        h.insert("X-Escalator-Token", HeaderValue::from_static("s3cre"));
        assert_eq!(auth.verify(&h), Err(AuthError::Invalid));
        h.insert("X-Escalator-Token", HeaderValue::from_static("s3cret "));
        assert_eq!(auth.verify(&h), Err(AuthError::Invalid));
    }

    #[test]
    fn basic() {
        let auth = InboundAuth::Basic {
            user: "genesys".into(),
            password: Secret::new("pw"),
        };
        let mut h = HeaderMap::new();
        assert_eq!(auth.verify(&h), Err(AuthError::Missing));
        let good = base64::engine::general_purpose::STANDARD.encode("genesys:pw");
        h.insert(
            http::header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Basic {good}")).unwrap(),
        );
        assert_eq!(auth.verify(&h), Ok(()));
        let bad = base64::engine::general_purpose::STANDARD.encode("genesys:px");
        h.insert(
            http::header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Basic {bad}")).unwrap(),
        );
        assert_eq!(auth.verify(&h), Err(AuthError::Invalid));
        h.insert(
            http::header::AUTHORIZATION,
            HeaderValue::from_static("Bearer x"),
        );
        assert_eq!(auth.verify(&h), Err(AuthError::Invalid));
        h.insert(
            http::header::AUTHORIZATION,
            HeaderValue::from_static("Basic %%%"),
        );
        assert_eq!(auth.verify(&h), Err(AuthError::Invalid));
    }
}
