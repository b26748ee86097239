//! Running the binary with a config file and an environment of our choosing.

use std::io::Write as _;

use wiremock::MockServer;

/// Every secret any test puts in the environment; none may ever be printed.
pub const SECRETS: &[&str] = &[
    "gen-client-SECRET-1",
    "gen-WEBHOOK-secret/9+x",
    "td-client-SECRET-2",
    "td-WEBHOOK-secret/7+y",
    "f9-admin-PASSWORD-3",
    "f9-WEBHOOK-secret-4",
    "nx-api-PASSWORD-5",
    "nx-WEBHOOK-secret-6",
    "ct-WEBHOOK-secret-8",
];

pub const ENV: &[(&str, &str)] = &[
    ("ESCALATOR_GENESYS_CLIENT_ID", "gen-client-id"),
    ("ESCALATOR_GENESYS_CLIENT_SECRET", "gen-client-SECRET-1"),
    ("ESCALATOR_GENESYS_WEBHOOK_SECRET", "gen-WEBHOOK-secret/9+x"),
    ("ESCALATOR_TALKDESK_CLIENT_ID", "td-client-id"),
    ("ESCALATOR_TALKDESK_CLIENT_SECRET", "td-client-SECRET-2"),
    ("ESCALATOR_TALKDESK_WEBHOOK_SECRET", "td-WEBHOOK-secret/7+y"),
    ("ESCALATOR_FIVE9_ADMIN_USER", "f9admin"),
    ("ESCALATOR_FIVE9_ADMIN_PASSWORD", "f9-admin-PASSWORD-3"),
    ("ESCALATOR_FIVE9_WEBHOOK_SECRET", "f9-WEBHOOK-secret-4"),
    ("ESCALATOR_NEXTIVA_API_USER", "nxuser"),
    ("ESCALATOR_NEXTIVA_API_PASSWORD", "nx-api-PASSWORD-5"),
    ("ESCALATOR_NEXTIVA_WEBHOOK_SECRET", "nx-WEBHOOK-secret-6"),
    ("ESCALATOR_CLOUDTALK_WEBHOOK_SECRET", "ct-WEBHOOK-secret-8"),
];

#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Exit code as expected, and no secret anywhere in what was printed.
    pub fn expect(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        for s in SECRETS {
            let encoded = s.replace('/', "%2F").replace('+', "%2B");
            for text in [&self.stdout, &self.stderr] {
                assert!(
                    !text.contains(s) && !text.contains(&encoded),
                    "{s} printed:\n{text}"
                );
            }
        }
        self
    }
}

/// A config file whose API hosts all point at `server`, with `extra` tables at the end.
pub fn config(server: &MockServer, extra: &str) -> tempfile::NamedTempFile {
    config_with(server, "", extra)
}

/// [`config`] with `genesys` keys in `[vendors.genesys]`.
pub fn config_with(server: &MockServer, genesys: &str, extra: &str) -> tempfile::NamedTempFile {
    let uri = server.uri();
    let text = format!(
        "[vendors.genesys]\napi_base = \"{uri}\"\nlogin_base = \"{uri}\"\n{genesys}\n\n\
         [vendors.talkdesk.api]\napi_base = \"{uri}\"\ntoken_url = \"{uri}/oauth/token\"\n\n\
         [vendors.five9.api]\nadmin_base = \"{uri}\"\n\n\
         [vendors.nextiva.api]\nlogin_base = \"{uri}\"\n\n{extra}"
    );
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(text.as_bytes()).expect("write config");
    file
}

/// Runs `escalator <args>` with only `env` (minus the names in `unset`) in its environment.
pub async fn escalator(args: &[&str], unset: &[&str]) -> Run {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let unset: Vec<String> = unset.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_escalator"));
        cmd.env_clear().args(&args);
        for (k, v) in ENV.iter().filter(|(k, _)| !unset.iter().any(|u| u == k)) {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run escalator");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    })
    .await
    .expect("join")
}

/// `escalator webhooks <op> <vendor> --config <file> <rest…>`.
pub async fn webhooks(op: &str, vendor: &str, cfg: &tempfile::NamedTempFile, rest: &[&str]) -> Run {
    let path = cfg.path().to_string_lossy().into_owned();
    let mut args = vec!["webhooks", op, vendor, "--config", path.as_str()];
    args.extend_from_slice(rest);
    escalator(&args, &[]).await
}

pub async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.map_or(0, |r| r.len())
}

pub fn ok(body: serde_json::Value) -> wiremock::ResponseTemplate {
    wiremock::ResponseTemplate::new(200).set_body_json(body)
}
