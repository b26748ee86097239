//! Authentication of inbound deliveries by a shared secret, for platforms that do not sign
//! requests: a header carrying the secret, HTTP Basic, an unguessable URL (Talkdesk), or a
//! constant field of the delivery (Five9 connector parameter, CloudTalk body). Every
//! comparison is constant-time.

use base64::Engine;
use subtle::ConstantTimeEq;

use crate::{Delivery, Secret};

#[derive(Debug, Clone)]
pub enum InboundAuth {
    /// A header (e.g. `X-Escalator-Token`) whose value is the shared secret.
    SharedSecretHeader { header: String, secret: Secret },
    /// `Authorization: Basic base64(user:password)`.
    Basic { user: String, password: Secret },
    /// The secret as the path segment after `/webhooks/{vendor}/`, or as the `secret` (or
    /// `token`) query parameter.
    UrlSecret { secret: Secret },
    /// The secret as a named field of the query, form or JSON body.
    FieldSecret { field: String, secret: Secret },
    /// Standard Webhooks signatures (any of the keys, for rotation).
    StandardWebhooks {
        keys: Vec<crate::standard::SigningKey>,
    },
    /// Any one of these (a platform that offers several places for the secret).
    AnyOf(Vec<InboundAuth>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("missing credentials")]
    Missing,
    /// Credentials were presented in a form that cannot be checked; names where.
    #[error("{0} is malformed")]
    Malformed(&'static str),
    #[error("invalid credentials")]
    Invalid,
    /// A signature whose timestamp is outside the replay window.
    #[error("webhook-timestamp is outside the 5-minute tolerance")]
    Stale,
}

impl AuthError {
    /// A stable code for API answers.
    pub fn reason(&self) -> &'static str {
        match self {
            AuthError::Missing => "missing_credentials",
            AuthError::Malformed(_) => "malformed_credentials",
            AuthError::Invalid => "invalid_credentials",
            AuthError::Stale => "stale_timestamp",
        }
    }

    /// The header or field that is malformed, when that is the problem.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            AuthError::Malformed(field) => Some(field),
            _ => None,
        }
    }
}

impl InboundAuth {
    pub fn verify(&self, delivery: &Delivery<'_>) -> Result<(), AuthError> {
        let headers = delivery.headers;
        match self {
            InboundAuth::AnyOf(options) => {
                let mut outcome = Err(AuthError::Missing);
                for option in options {
                    match option.verify(delivery) {
                        Ok(()) => return Ok(()),
                        Err(AuthError::Missing) => {}
                        // A secret that was presented and refused outranks one not presented.
                        Err(refused) => outcome = Err(refused),
                    }
                }
                outcome
            }
            InboundAuth::UrlSecret { secret } => {
                let query = delivery.query_fields();
                let presented = delivery
                    .path_secret
                    .or_else(|| query.get("secret").map(String::as_str))
                    .or_else(|| query.get("token").map(String::as_str))
                    .ok_or(AuthError::Missing)?;
                constant_time_eq(presented.as_bytes(), secret.expose().as_bytes())
            }
            InboundAuth::StandardWebhooks { keys } => {
                crate::standard::verify(keys, headers, delivery.body)
                    .map(drop)
                    .map_err(|e| {
                        use crate::standard::VerifyError;
                        match e {
                            VerifyError::MissingHeader(_) => AuthError::Missing,
                            VerifyError::BadTimestamp => AuthError::Malformed("webhook-timestamp"),
                            VerifyError::MalformedSignature => {
                                AuthError::Malformed("webhook-signature")
                            }
                            VerifyError::Stale => AuthError::Stale,
                            VerifyError::NoMatch | VerifyError::BadSecret => AuthError::Invalid,
                        }
                    })
            }
            InboundAuth::FieldSecret { field, secret } => {
                // A body that cannot be read may still come with the secret in the query;
                // the normalizer then names what is wrong with the body.
                let fields = delivery
                    .flat_fields()
                    .unwrap_or_else(|_| delivery.query_fields());
                let presented = fields.get(field).ok_or(AuthError::Missing)?;
                constant_time_eq(presented.as_bytes(), secret.expose().as_bytes())
            }
            InboundAuth::SharedSecretHeader { header, secret } => {
                let presented = headers.get(header.as_str()).ok_or(AuthError::Missing)?;
                constant_time_eq(presented.as_bytes(), secret.expose().as_bytes())
            }
            InboundAuth::Basic { user, password } => {
                const MALFORMED: AuthError = AuthError::Malformed("authorization");
                let value = headers
                    .get(http::header::AUTHORIZATION)
                    .ok_or(AuthError::Missing)?
                    .to_str()
                    .map_err(|_| MALFORMED)?;
                let encoded = value
                    .strip_prefix("Basic ")
                    .or_else(|| value.strip_prefix("basic "))
                    .ok_or(MALFORMED)?;
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(encoded.trim())
                    .map_err(|_| MALFORMED)?;
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
    use http::{HeaderMap, HeaderValue, Method};

    fn check(auth: &InboundAuth, h: &HeaderMap) -> Result<(), AuthError> {
        auth.verify(&Delivery::json(b"{}", h))
    }

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
        assert_eq!(check(&auth, &h), Err(AuthError::Missing));
        h.insert("X-Escalator-Token", HeaderValue::from_static("s3cret"));
        assert_eq!(check(&auth, &h), Ok(()));
        h.insert("X-Escalator-Token", HeaderValue::from_static("s3cre"));
        assert_eq!(check(&auth, &h), Err(AuthError::Invalid));
        h.insert("X-Escalator-Token", HeaderValue::from_static("s3cret "));
        assert_eq!(check(&auth, &h), Err(AuthError::Invalid));
    }

    #[test]
    fn basic() {
        let auth = InboundAuth::Basic {
            user: "genesys".into(),
            password: Secret::new("pw"),
        };
        let mut h = HeaderMap::new();
        assert_eq!(check(&auth, &h), Err(AuthError::Missing));
        let good = base64::engine::general_purpose::STANDARD.encode("genesys:pw");
        h.insert(
            http::header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Basic {good}")).unwrap(),
        );
        assert_eq!(check(&auth, &h), Ok(()));
        let bad = base64::engine::general_purpose::STANDARD.encode("genesys:px");
        h.insert(
            http::header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Basic {bad}")).unwrap(),
        );
        assert_eq!(check(&auth, &h), Err(AuthError::Invalid));
        h.insert(
            http::header::AUTHORIZATION,
            HeaderValue::from_static("Bearer x"),
        );
        assert_eq!(check(&auth, &h), Err(AuthError::Malformed("authorization")));
        h.insert(
            http::header::AUTHORIZATION,
            HeaderValue::from_static("Basic %%%"),
        );
        assert_eq!(check(&auth, &h), Err(AuthError::Malformed("authorization")));
    }

    #[test]
    fn url_secret_in_path_or_query() {
        let auth = InboundAuth::UrlSecret {
            secret: Secret::new("k3y"),
        };
        let h = HeaderMap::new();
        let mut d = Delivery::json(b"{}", &h);
        assert_eq!(auth.verify(&d), Err(AuthError::Missing));
        d.path_secret = Some("k3y");
        assert_eq!(auth.verify(&d), Ok(()));
        d.path_secret = Some("k3z");
        assert_eq!(auth.verify(&d), Err(AuthError::Invalid));
        d.path_secret = None;
        d.query = Some("secret=k3y");
        assert_eq!(auth.verify(&d), Ok(()));
    }

    #[test]
    fn field_secret_in_form_or_json() {
        let auth = InboundAuth::FieldSecret {
            field: "escalator_secret".into(),
            secret: Secret::new("k3y"),
        };
        let mut h = HeaderMap::new();
        assert_eq!(
            auth.verify(&Delivery::json(br#"{"escalator_secret":"k3y"}"#, &h)),
            Ok(())
        );
        assert_eq!(
            auth.verify(&Delivery::json(br#"{"escalator_secret":"nope"}"#, &h)),
            Err(AuthError::Invalid)
        );
        h.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        let d = Delivery {
            method: &Method::POST,
            headers: &h,
            query: None,
            path_secret: None,
            body: b"escalator_secret=k3y&x=1",
        };
        assert_eq!(auth.verify(&d), Ok(()));
    }
}
