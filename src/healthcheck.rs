//! `escalator healthcheck`: one GET to a running service's `/healthz` or `/readyz`, for
//! container health checks in images without curl.

use std::net::SocketAddr;
use std::time::Duration;

/// The base URL to reach a service listening on `listen`: an unspecified address
/// (`0.0.0.0`, `[::]`) is asked on loopback.
pub fn base_url(listen: &str) -> Result<String, String> {
    let addr: SocketAddr = listen
        .parse()
        .map_err(|_| format!("server.listen {listen:?} is not an address:port; give --url"))?;
    let host = match addr.ip() {
        ip if ip.is_unspecified() && ip.is_ipv4() => "127.0.0.1".to_string(),
        ip if ip.is_unspecified() => "[::1]".to_string(),
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    Ok(format!("http://{host}:{}", addr.port()))
}

/// `Ok` when `{base}{path}` answers 200 within `timeout`; otherwise what went wrong.
pub async fn check(base: &str, path: &str, timeout: Duration) -> Result<(), String> {
    let url = format!("{}{path}", base.trim_end_matches('/'));
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .map_err(|e| format!("cannot make an HTTP client: {e}"))?;
    let response = client
        .get(&url)
        .send()
        .await
        .map_err(|e| format!("{url}: no answer: {e}"))?;
    let status = response.status();
    if status == reqwest::StatusCode::OK {
        Ok(())
    } else {
        let body = response.text().await.unwrap_or_default();
        Err(format!("{url}: {status} {}", body.trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unspecified_listen_address_is_asked_on_loopback() {
        assert_eq!(base_url("0.0.0.0:8080").unwrap(), "http://127.0.0.1:8080");
        assert_eq!(base_url("[::]:9000").unwrap(), "http://[::1]:9000");
        assert_eq!(base_url("10.0.0.5:8080").unwrap(), "http://10.0.0.5:8080");
        assert!(base_url("localhost").unwrap_err().contains("--url"));
    }

    #[tokio::test]
    async fn ok_on_200_and_the_status_otherwise() {
        use wiremock::matchers::path;
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let server = MockServer::start().await;
        Mock::given(path("/healthz"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        Mock::given(path("/readyz"))
            .respond_with(
                ResponseTemplate::new(503).set_body_string("{\"status\":\"unavailable\"}"),
            )
            .mount(&server)
            .await;
        let t = Duration::from_secs(2);
        assert!(check(&server.uri(), "/healthz", t).await.is_ok());
        let err = check(&server.uri(), "/readyz", t).await.unwrap_err();
        assert!(err.contains("503") && err.contains("unavailable"), "{err}");
        drop(server);
    }
}
