//! Every configuration shipped in `deploy/` passes `escalator check-config` as its deploy
//! file runs it: the built binary, its environment cleared and then set exactly as the
//! Kubernetes manifest, the compose files and the systemd unit set it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use yaml_rust2::{Yaml, YamlLoader};

fn deploy(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy")
        .join(path)
}

fn yaml_docs(path: &str) -> Vec<Yaml> {
    let text = std::fs::read_to_string(deploy(path)).expect("deploy file readable");
    YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `check-config [file]` with nothing in the environment but `env`.
fn check_config(file: Option<&Path>, env: &[(String, String)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_escalator"));
    command.env_clear().arg("check-config");
    if let Some(file) = file {
        command.arg(file);
    }
    command.envs(env.iter().map(|(k, v)| (k, v)));
    command.output().expect("escalator runs")
}

fn assert_passes(what: &str, output: &Output) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{what} fails check-config:\n{stderr}{stdout}"
    );
    assert!(stdout.contains(": ok ("), "{what}: {stdout}");
}

/// Compose's `${VAR:-default}` and `${VAR:?message}`: the default, or `set` for a
/// variable the operator must export.
fn interpolate(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').expect("closed ${") + start;
        let inner = &rest[start + 2..end];
        if let Some((_, default)) = inner.split_once(":-") {
            out.push_str(default);
        } else {
            out.push_str("set-by-the-operator");
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

fn compose_env(service: &Yaml) -> Vec<(String, String)> {
    // `<<: *escalator` keeps the shared block under the merge key.
    let environment = if service["environment"].is_badvalue() {
        &service["<<"]["environment"]
    } else {
        &service["environment"]
    };
    let map = environment.as_hash().expect("environment is a map");
    map.iter()
        .map(|(k, v)| {
            let value = v.as_str().map(str::to_string).unwrap_or_else(|| match v {
                Yaml::Integer(i) => i.to_string(),
                Yaml::Boolean(b) => b.to_string(),
                other => panic!("{k:?}: unexpected value {other:?}"),
            });
            (k.as_str().expect("name").to_string(), interpolate(&value))
        })
        .collect()
}

#[test]
fn the_example_configuration_passes_check_config() {
    let output = check_config(Some(&deploy("escalator.example.toml")), &[]);
    assert_passes("deploy/escalator.example.toml", &output);
}

#[test]
fn the_kubernetes_sidecar_configmap_passes_check_config_with_the_pods_environment() {
    let docs = yaml_docs("kubernetes/sidecar.yaml");
    let config_map = docs
        .iter()
        .find(|d| d["kind"].as_str() == Some("ConfigMap"))
        .expect("a ConfigMap");
    let toml = config_map["data"]["escalator.toml"]
        .as_str()
        .expect("data escalator.toml");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("escalator.toml");
    std::fs::write(&file, toml).unwrap();

    let deployment = docs
        .iter()
        .find(|d| d["kind"].as_str() == Some("Deployment"))
        .expect("a Deployment");
    let containers = deployment["spec"]["template"]["spec"]["containers"]
        .as_vec()
        .expect("containers");
    let escalator = containers
        .iter()
        .find(|c| c["name"].as_str() == Some("escalator"))
        .expect("the escalator container");
    let mut env = Vec::new();
    for var in escalator["env"].as_vec().expect("env") {
        let name = var["name"].as_str().expect("env name").to_string();
        // Secrets come from a Secret the operator creates; every one is optional.
        if let Some(value) = var["value"].as_str() {
            env.push((name, value.to_string()));
        } else {
            assert_eq!(
                var["valueFrom"]["secretKeyRef"]["optional"].as_bool(),
                Some(true),
                "{name} must be optional or the pod does not start without it"
            );
        }
    }
    // ESCALATOR_CONFIG names the mounted ConfigMap; point it at the extracted copy.
    let mounted = env
        .iter()
        .find(|(k, _)| k == "ESCALATOR_CONFIG")
        .map(|(_, v)| v.clone())
        .expect("ESCALATOR_CONFIG is set");
    assert_eq!(mounted, "/etc/escalator/escalator.toml");
    env.retain(|(k, _)| k != "ESCALATOR_CONFIG");
    env.push(("ESCALATOR_CONFIG".into(), file.display().to_string()));

    let output = check_config(None, &env);
    assert_passes("the ConfigMap in deploy/kubernetes/sidecar.yaml", &output);
}

#[test]
fn both_compose_files_pass_check_config_with_their_environment() {
    let single = yaml_docs("compose.yaml");
    let env = compose_env(&single[0]["services"]["escalator"]);
    assert!(env.iter().any(|(k, _)| k == "ESCALATOR_DATABASE_URL"));
    assert_passes("deploy/compose.yaml", &check_config(None, &env));

    let replicas = yaml_docs("compose.replicas.yaml");
    for name in ["escalator-1", "escalator-2"] {
        let env = compose_env(&replicas[0]["services"][name]);
        let url = &env
            .iter()
            .find(|(k, _)| k == "ESCALATOR_DATABASE_URL")
            .expect("a database URL")
            .1;
        assert!(url.starts_with("postgres://"), "{url}");
        assert_passes(
            &format!("deploy/compose.replicas.yaml {name}"),
            &check_config(None, &env),
        );
    }
}

#[test]
fn the_systemd_unit_passes_check_config_with_its_environment() {
    let unit = std::fs::read_to_string(deploy("systemd/escalator.service")).unwrap();
    let env: Vec<(String, String)> = unit
        .lines()
        .filter_map(|l| l.strip_prefix("Environment="))
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert!(!env.is_empty(), "the unit sets the database URL");
    // The unit runs /etc/escalator/escalator.toml, installed from the example.
    assert!(unit.contains("--config /etc/escalator/escalator.toml"));
    let output = check_config(Some(&deploy("escalator.example.toml")), &env);
    assert_passes("deploy/systemd/escalator.service", &output);
}

/// `shutdown_grace_seconds` bounds the whole shutdown (HTTP drain and workers share it);
/// each deploy file's kill timeout must leave room above it.
#[test]
fn the_shutdown_grace_fits_inside_every_deploy_files_kill_timeout() {
    const MARGIN: u64 = 5;
    let grace_in = |toml: &str| -> u64 {
        toml.lines()
            .find_map(|l| l.trim().strip_prefix("shutdown_grace_seconds"))
            .and_then(|rest| {
                rest.trim_start_matches([' ', '='])
                    .split_whitespace()
                    .next()
            })
            .map(|v| v.parse().expect("a number"))
            .unwrap_or(20)
    };
    let example = std::fs::read_to_string(deploy("escalator.example.toml")).unwrap();
    let docs = yaml_docs("kubernetes/sidecar.yaml");
    let config_map = docs
        .iter()
        .find(|d| d["kind"].as_str() == Some("ConfigMap"))
        .unwrap();
    let k8s_grace = grace_in(config_map["data"]["escalator.toml"].as_str().unwrap());
    let deployment = docs
        .iter()
        .find(|d| d["kind"].as_str() == Some("Deployment"))
        .unwrap();
    let k8s_kill = deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
        .as_i64()
        .expect("terminationGracePeriodSeconds") as u64;
    assert!(
        k8s_grace + MARGIN <= k8s_kill,
        "{k8s_grace} s vs {k8s_kill} s"
    );

    // compose: the defaults (no config file), "30s".
    let seconds = |v: &str| -> u64 { v.trim_end_matches('s').parse().expect("seconds") };
    let single = yaml_docs("compose.yaml");
    let stop = seconds(
        single[0]["services"]["escalator"]["stop_grace_period"]
            .as_str()
            .unwrap(),
    );
    assert!(20 + MARGIN <= stop, "compose.yaml: {stop} s");
    let replicas = yaml_docs("compose.replicas.yaml");
    let stop = seconds(
        replicas[0]["x-escalator"]["stop_grace_period"]
            .as_str()
            .unwrap(),
    );
    assert!(20 + MARGIN <= stop, "compose.replicas.yaml: {stop} s");

    // systemd runs the example configuration.
    let unit = std::fs::read_to_string(deploy("systemd/escalator.service")).unwrap();
    let stop: u64 = unit
        .lines()
        .find_map(|l| l.strip_prefix("TimeoutStopSec="))
        .expect("TimeoutStopSec")
        .parse()
        .unwrap();
    assert!(grace_in(&example) + MARGIN <= stop, "systemd: {stop} s");
}

/// `/metrics`, `/healthz` and `/readyz` carry no authentication: the compose files publish
/// the port on the host's loopback only, and the image checks itself without curl.
#[test]
fn compose_publishes_only_on_loopback_and_checks_health_with_the_binary() {
    for (file, services) in [
        ("compose.yaml", &["escalator"][..]),
        ("compose.replicas.yaml", &["escalator-1", "escalator-2"][..]),
    ] {
        let docs = yaml_docs(file);
        for name in services {
            let service = &docs[0]["services"][*name];
            for port in service["ports"].as_vec().expect("ports") {
                let port = port.as_str().expect("a port string");
                assert!(port.starts_with("127.0.0.1:"), "{file} {name}: {port}");
            }
            let health = if service["healthcheck"].is_badvalue() {
                &service["<<"]["healthcheck"]
            } else {
                &service["healthcheck"]
            };
            let test: Vec<&str> = health["test"]
                .as_vec()
                .expect("a healthcheck")
                .iter()
                .filter_map(Yaml::as_str)
                .collect();
            assert_eq!(test[1..3], ["/usr/local/bin/escalator", "healthcheck"]);
        }
    }
}
