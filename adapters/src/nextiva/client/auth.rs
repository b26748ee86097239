//! Login, token refresh and the cached session (vendor doc §5).

use std::time::{Duration, Instant};

use base64::Engine;
use reqwest::header::HeaderValue;
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::Mutex;

use super::error_message;
use crate::outbound::CallError;
use crate::Secret;

/// Nextiva's own tool's default login host [NAUTO `main.py`].
pub const DEFAULT_LOGIN_BASE: &str = "https://login.thrio.io";

/// Login hosts seen in use (§5). NCC has no regions: the login answers with the tenant's
/// cluster (`location`), whatever host served it.
pub const LOGIN_HOSTS: &[(&str, &str)] = &[
    ("default", "https://login.thrio.io"),
    ("thrio-com", "https://login.thrio.com"),
    ("nextiva-thrio", "https://nextiva.thrio.io"),
    ("sandbox", "https://sandbox.thrio.io"),
    // Documented, but answered 404 in a probe with a non-NCC account (§5).
    ("documented", "https://api.nextiva.com"),
];

/// How the token goes in `Authorization` (UNCONFIRMED, §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthScheme {
    /// Raw first; switches between raw and `Bearer` while no call has succeeded with a
    /// freshly issued token.
    #[default]
    Auto,
    /// `Authorization: <token>`, as Nextiva's tool and real Postman collections send it.
    Raw,
    /// `Authorization: Bearer <token>`, as the OpenAPI declares.
    Bearer,
}

/// Where `GET /provider/api/token-refresh` is sent (UNCONFIRMED, §5).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TokenRefresh {
    /// The login host (the OpenAPI serves both endpoints from one host).
    #[default]
    LoginHost,
    /// The tenant `location`.
    Location,
    /// Another base URL.
    Base(String),
    /// Never refresh: log in again with Basic when the token is due.
    Off,
}

#[derive(Debug, Clone)]
pub struct NextivaConfig {
    /// Login host, e.g. [`DEFAULT_LOGIN_BASE`].
    pub login_base: String,
    /// Sends every workitem call here instead of the `location` the login returns.
    pub api_base_override: Option<String>,
    pub refresh: TokenRefresh,
    pub auth_scheme: AuthScheme,
    /// The NCC user the adapter logs in as (a supervisor or admin role for transfers).
    pub username: String,
    pub password: Secret,
    /// Token lifetime when the token is not a JWT with a readable `exp`.
    pub assumed_token_lifetime: Duration,
}

impl NextivaConfig {
    pub fn new(username: impl Into<String>, password: Secret) -> Self {
        Self {
            login_base: DEFAULT_LOGIN_BASE.to_string(),
            api_base_override: None,
            refresh: TokenRefresh::default(),
            auth_scheme: AuthScheme::default(),
            username: username.into(),
            password,
            // NCC says "under 24 h"; an hour keeps refreshes well inside it.
            assumed_token_lifetime: Duration::from_secs(3600),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Header {
    Raw,
    Bearer,
}

/// What one request needs; `generation` tells a 401 on this token from one on a newer one.
pub(super) struct Session {
    pub token: Secret,
    pub header: HeaderValue,
    pub api_base: String,
    pub generation: u64,
}

#[derive(Debug)]
struct Cached {
    token: Secret,
    api_base: String,
    refresh_at: Instant,
    /// Known only from a JWT `exp`: past it, refreshing is pointless.
    expires_at: Option<Instant>,
    generation: u64,
}

#[derive(Debug)]
struct State {
    cached: Option<Cached>,
    generation: u64,
    header: Header,
    /// A call succeeded with the current header scheme: `Auto` stops switching.
    header_confirmed: bool,
    /// The refresh endpoint answered 404/405: only log in from now on.
    refresh_unavailable: bool,
}

#[derive(Debug)]
pub(super) struct Auth {
    config: NextivaConfig,
    /// `base64(username:password)`, scrubbed from messages like the password itself.
    basic: Secret,
    login_base: String,
    state: Mutex<State>,
}

#[derive(Deserialize)]
struct TokenResponse {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    location: Option<String>,
}

impl Auth {
    pub fn new(config: NextivaConfig) -> Self {
        let header = match config.auth_scheme {
            AuthScheme::Bearer => Header::Bearer,
            AuthScheme::Auto | AuthScheme::Raw => Header::Raw,
        };
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            config.username,
            config.password.expose()
        ));
        Self {
            basic: Secret::new(basic),
            login_base: config.login_base.trim().trim_end_matches('/').to_string(),
            state: Mutex::new(State {
                cached: None,
                generation: 0,
                header,
                header_confirmed: config.auth_scheme != AuthScheme::Auto,
                refresh_unavailable: config.refresh == TokenRefresh::Off,
            }),
            config,
        }
    }

    /// The cached session, refreshed or re-fetched when due. The lock is held throughout so
    /// concurrent calls share one login.
    pub async fn session(&self, http: &reqwest::Client) -> Result<Session, CallError> {
        let mut state = self.state.lock().await;
        let now = Instant::now();
        if let Some(c) = state.cached.as_ref() {
            if now < c.refresh_at {
                return self.session_of(c, state.header);
            }
        }
        let refreshable = state.cached.as_ref().and_then(|c| {
            let alive = c.expires_at.is_none_or(|at| now < at);
            (alive && !state.refresh_unavailable).then(|| (c.token.clone(), c.api_base.clone()))
        });
        let mut fresh = None;
        if let Some((token, api_base)) = refreshable {
            match self.refresh(http, &token, &api_base, state.header).await {
                // A refresh answer without `location` keeps the cluster we have.
                Ok((t, location)) => fresh = Some((t, location.or(Some(api_base)))),
                Err(RefreshFailed::Unavailable) => state.refresh_unavailable = true,
                // Any other failure: a full login below still gets a token.
                Err(RefreshFailed::Other) => {}
            }
        }
        let (token, location) = match fresh {
            Some(t) => t,
            None => self.login(http).await?,
        };
        let api_base = match &self.config.api_base_override {
            Some(base) => base.trim().trim_end_matches('/').to_string(),
            None => location
                .as_deref()
                .and_then(normalize_base)
                .ok_or_else(|| CallError::Permanent {
                    status: 200,
                    message: "the login answer carries no usable location".into(),
                })?,
        };
        let lifetime = token_lifetime(token.expose(), self.config.assumed_token_lifetime);
        let margin = Duration::from_secs(300).min(lifetime.0 / 2);
        state.generation += 1;
        let cached = Cached {
            token,
            api_base,
            refresh_at: now + lifetime.0 - margin,
            expires_at: lifetime.1.then_some(now + lifetime.0),
            generation: state.generation,
        };
        let session = self.session_of(&cached, state.header)?;
        state.cached = Some(cached);
        Ok(session)
    }

    /// A call with this session succeeded: the token and its header scheme work.
    pub async fn accepted(&self, generation: u64) {
        let mut state = self.state.lock().await;
        if state
            .cached
            .as_ref()
            .is_some_and(|c| c.generation == generation)
        {
            state.header_confirmed = true;
        }
    }

    /// A call with this session got a 401: drop the token (unless a newer one replaced it)
    /// so the next call logs in again, and under `Auto` try the other header scheme if this
    /// one never worked.
    pub async fn rejected(&self, generation: u64) {
        let mut state = self.state.lock().await;
        if state.cached.as_ref().map(|c| c.generation) != Some(generation) {
            return;
        }
        state.cached = None;
        if self.config.auth_scheme == AuthScheme::Auto && !state.header_confirmed {
            state.header = match state.header {
                Header::Raw => Header::Bearer,
                Header::Bearer => Header::Raw,
            };
        }
    }

    /// Removes the token and password from a platform message, should it echo them.
    pub fn scrub(&self, message: String, token: &Secret) -> String {
        let mut out = message;
        for secret in [
            token.expose(),
            self.config.password.expose(),
            self.basic.expose(),
        ] {
            if secret.len() >= 3 && out.contains(secret) {
                out = out.replace(secret, "***");
            }
        }
        out
    }

    fn session_of(&self, c: &Cached, header: Header) -> Result<Session, CallError> {
        Ok(Session {
            token: c.token.clone(),
            header: header_value(&c.token, header)?,
            api_base: c.api_base.clone(),
            generation: c.generation,
        })
    }

    /// `GET /provider/token-with-authorities` with HTTP Basic.
    async fn login(&self, http: &reqwest::Client) -> Result<(Secret, Option<String>), CallError> {
        let response = http
            .get(format!(
                "{}/provider/token-with-authorities",
                self.login_base
            ))
            .basic_auth(&self.config.username, Some(self.config.password.expose()))
            .send()
            .await
            .map_err(|e| token_fetch_failed("login", &e))?;
        let status = response.status();
        if !status.is_success() {
            let headers = response.headers().clone();
            let text = response.text().await.unwrap_or_default();
            let message = self.scrub(error_message(&text), &Secret::new(""));
            // Wrong credentials, a user without Contact Center, or a wrong login host:
            // retrying cannot fix any of them.
            return Err(match status.as_u16() {
                s @ (400 | 401 | 403 | 404) => CallError::Permanent {
                    status: s,
                    message: format!("login rejected: {message}"),
                },
                s => CallError::from_status(s, &headers, format!("login failed: {message}")),
            });
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| token_fetch_failed("login", &e))?;
        match parse_token(&body) {
            Some((token, location)) => Ok((token, location)),
            None => Err(CallError::Permanent {
                status: status.as_u16(),
                message: "the login answer carries no token (is login_base an NCC login host?)"
                    .into(),
            }),
        }
    }

    /// `GET /provider/api/token-refresh` with the current token.
    async fn refresh(
        &self,
        http: &reqwest::Client,
        token: &Secret,
        api_base: &str,
        header: Header,
    ) -> Result<(Secret, Option<String>), RefreshFailed> {
        let base = match &self.config.refresh {
            TokenRefresh::LoginHost => self.login_base.clone(),
            TokenRefresh::Location => api_base.to_string(),
            TokenRefresh::Base(b) => b.trim().trim_end_matches('/').to_string(),
            TokenRefresh::Off => return Err(RefreshFailed::Unavailable),
        };
        let value = header_value(token, header).map_err(|_| RefreshFailed::Other)?;
        let response = http
            .get(format!("{base}/provider/api/token-refresh"))
            .header(reqwest::header::AUTHORIZATION, value)
            .send()
            .await
            .map_err(|_| RefreshFailed::Other)?;
        match response.status().as_u16() {
            200..=299 => {}
            404 | 405 => return Err(RefreshFailed::Unavailable),
            _ => return Err(RefreshFailed::Other),
        }
        let body = response.bytes().await.map_err(|_| RefreshFailed::Other)?;
        parse_token(&body).ok_or(RefreshFailed::Other)
    }
}

enum RefreshFailed {
    /// The endpoint is not there: stop trying it.
    Unavailable,
    Other,
}

/// `{token, location}`; `token` must be a non-empty string.
fn parse_token(body: &[u8]) -> Option<(Secret, Option<String>)> {
    let parsed: TokenResponse = serde_json::from_slice(body).ok()?;
    let token = parsed.token.filter(|t| !t.trim().is_empty())?;
    Some((Secret::new(token.trim()), parsed.location))
}

/// The workitem call was not sent, so a failed token fetch is retryable whatever happened
/// to the token request (status 0: no HTTP answer).
fn token_fetch_failed(what: &str, err: &reqwest::Error) -> CallError {
    match CallError::from_reqwest(err) {
        CallError::Transport(kind) => CallError::Retryable {
            status: 0,
            retry_after: None,
            message: format!("{what}: {kind}"),
        },
        CallError::Retryable {
            status,
            retry_after,
            message,
        } => CallError::Retryable {
            status,
            retry_after,
            message: format!("{what}: {message}"),
        },
        other => other,
    }
}

fn header_value(token: &Secret, header: Header) -> Result<HeaderValue, CallError> {
    let text = match header {
        Header::Raw => token.expose().to_string(),
        Header::Bearer => format!("Bearer {}", token.expose()),
    };
    let mut value = HeaderValue::from_str(&text).map_err(|_| CallError::Permanent {
        status: 200,
        message: "the login answer's token cannot be sent in a header".into(),
    })?;
    // Keeps the token out of reqwest's and hyper's debug output.
    value.set_sensitive(true);
    Ok(value)
}

/// The tenant cluster as a base URL: a bare host gets `https://`; anything with a path
/// beyond `/`, a query, or credentials is refused.
pub(super) fn normalize_base(raw: &str) -> Option<String> {
    let trimmed = raw.trim().trim_end_matches('/');
    if trimmed.is_empty() {
        return None;
    }
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_string()
    } else {
        format!("https://{trimmed}")
    };
    let url = reqwest::Url::parse(&with_scheme).ok()?;
    let ok = matches!(url.scheme(), "https" | "http")
        && url.host_str().is_some_and(|h| !h.is_empty())
        && url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none()
        && url.path() == "/";
    ok.then_some(with_scheme)
}

/// How long the token lives, and whether that is known (a JWT `exp`) or assumed.
fn token_lifetime(token: &str, assumed: Duration) -> (Duration, bool) {
    let now = jiff::Timestamp::now().as_second();
    match jwt_exp(token) {
        Some(exp) if exp > now => (Duration::from_secs((exp - now).unsigned_abs()), true),
        // No `exp`, or one already past by our clock (skew): fall back to the assumption.
        _ => (assumed, false),
    }
}

/// The `exp` claim (seconds; milliseconds are recognised by their size) of a JWT.
fn jwt_exp(token: &str) -> Option<i64> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    let exp = claims.get("exp")?;
    let exp = exp
        .as_i64()
        .or_else(|| exp.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))?;
    Some(if exp > 100_000_000_000 {
        exp / 1000
    } else {
        exp
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &str) -> String {
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.sig",
            e.encode(r#"{"typ":"JWT","alg":"HS256"}"#),
            e.encode(claims)
        )
    }

    #[test]
    fn location_as_url_or_bare_host() {
        assert_eq!(
            normalize_base("https://mancity.thrio.io").as_deref(),
            Some("https://mancity.thrio.io")
        );
        assert_eq!(
            normalize_base("mancity.thrio.io/").as_deref(),
            Some("https://mancity.thrio.io")
        );
        assert_eq!(
            normalize_base("http://127.0.0.1:8080").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        for bad in [
            "",
            "  ",
            "ftp://x.io",
            "https://u:p@x.io",
            "https://x.io/a",
            "https://x.io?q",
        ] {
            assert_eq!(normalize_base(bad), None, "{bad}");
        }
    }

    #[test]
    fn lifetime_comes_from_the_jwt_exp_when_readable() {
        let now = jiff::Timestamp::now().as_second();
        let assumed = Duration::from_secs(3600);
        let (life, known) = token_lifetime(&jwt(&format!(r#"{{"exp":{}}}"#, now + 7200)), assumed);
        assert!(known);
        assert!(life > Duration::from_secs(7100) && life <= Duration::from_secs(7200));
        let ms = jwt(&format!(r#"{{"exp":{}}}"#, (now + 600) * 1000));
        assert!(token_lifetime(&ms, assumed).0 <= Duration::from_secs(600));
        for opaque in ["tok", "a.b.c", &jwt(r#"{"sub":"x"}"#), &jwt(r#"{"exp":1}"#)] {
            assert_eq!(
                token_lifetime(opaque, assumed),
                (assumed, false),
                "{opaque}"
            );
        }
    }

    #[test]
    fn token_answers_need_a_token() {
        assert!(parse_token(br#"{"token":"t","location":"https://x.thrio.io"}"#).is_some());
        assert!(parse_token(br#"{"token":"","location":"https://x.thrio.io"}"#).is_none());
        assert!(parse_token(b"<html/>").is_none());
    }
}
