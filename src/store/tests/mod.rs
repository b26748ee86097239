//! The store's tests, each run on both backends: SQLite in a temporary directory, and
//! PostgreSQL in a fresh database on the server `ESCALATOR_TEST_POSTGRES_URL` names (the
//! PostgreSQL run is skipped, with a notice, when the variable is unset).

mod audit;
mod callbacks;
mod fixtures;
mod hold_watch;
mod inbox;
mod notices;
mod outbox;
mod replicas;
mod semantic_queue;

use tempfile::TempDir;

use super::Store;

/// The server PostgreSQL tests may create databases on.
pub(crate) const ENV_POSTGRES_URL: &str = "ESCALATOR_TEST_POSTGRES_URL";

/// A store on a database of its own, and the URL to open it again (a second replica).
pub(super) struct TestDb {
    pub store: Store,
    pub url: String,
    _dir: Option<TempDir>,
}

impl TestDb {
    /// Another store on the same database, as a second replica (or process) opens it.
    pub async fn another(&self) -> Store {
        Store::connect(&self.url).await.expect("second store opens")
    }
}

pub(super) async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("escalator.db").display());
    TestDb {
        store: Store::connect(&url).await.expect("sqlite store opens"),
        url,
        _dir: Some(dir),
    }
}

/// `None` (after saying so) when no PostgreSQL server is configured.
pub(super) async fn postgres() -> Option<TestDb> {
    let url = fresh_postgres_database().await?;
    Some(TestDb {
        store: Store::connect(&url).await.expect("postgres store opens"),
        url,
        _dir: None,
    })
}

/// Creates `escalator_test_<uuid>` on the configured server; its URL.
async fn fresh_postgres_database() -> Option<String> {
    let Ok(admin) = std::env::var(ENV_POSTGRES_URL) else {
        eprintln!("skipped: {ENV_POSTGRES_URL} unset");
        return None;
    };
    use sqlx::Connection;
    let name = format!("escalator_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .expect("connect to ESCALATOR_TEST_POSTGRES_URL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create test database");
    conn.close().await.ok();
    Some(with_database(&admin, &name))
}

/// `url` with its database (path) replaced by `name`, query kept.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let host_start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[host_start..].find('/') {
        Some(i) => &base[..host_start + i],
        None => base,
    };
    format!("{base}/{name}{query}")
}

/// Generates, for each `async fn name(db: TestDb) { … }`, a module `name` with one test
/// per backend running the same body.
macro_rules! on_both_backends {
    ($(async fn $name:ident($db:ident: TestDb) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn body($db: crate::store::tests::TestDb) $body

            #[tokio::test]
            async fn sqlite() {
                body(crate::store::tests::sqlite().await).await;
            }

            #[tokio::test]
            async fn postgres() {
                if let Some(db) = crate::store::tests::postgres().await {
                    body(db).await;
                }
            }
        }
    )*};
}
pub(super) use on_both_backends;

#[test]
fn a_test_database_url_keeps_the_server_and_its_options() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
        "postgres://postgres@127.0.0.1:5432/t1"
    );
    assert_eq!(
        with_database("postgres://u:p@db/postgres?sslmode=disable", "t2"),
        "postgres://u:p@db/t2?sslmode=disable"
    );
    assert_eq!(
        with_database("postgres://db:5432", "t3"),
        "postgres://db:5432/t3"
    );
}
