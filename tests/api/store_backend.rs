//! Which database the end-to-end service runs on: a SQLite file in the test's directory,
//! or — with `ESCALATOR_TEST_STORE=postgres` — a fresh PostgreSQL database on the server
//! `ESCALATOR_TEST_POSTGRES_URL` names. The URL is kept in the test's directory, so a
//! restarted service (and a test reading the database itself) finds the same one.

use std::path::Path;

use sqlx::Connection;

pub const ENV_STORE: &str = "ESCALATOR_TEST_STORE";
pub const ENV_POSTGRES_URL: &str = "ESCALATOR_TEST_POSTGRES_URL";

/// The file in a test's directory that names its database.
const URL_FILE: &str = "store_url";

/// True when the suite runs on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var(ENV_STORE).is_ok_and(|v| v == "postgres")
}

/// The database of the test whose directory is `dir`, created on first use.
pub async fn store_url_for(dir: &Path) -> String {
    if let Ok(url) = std::fs::read_to_string(dir.join(URL_FILE)) {
        return url;
    }
    let url = if on_postgres() {
        let admin = std::env::var(ENV_POSTGRES_URL).unwrap_or_else(|_| {
            panic!("{ENV_STORE}=postgres needs {ENV_POSTGRES_URL} (a server tests may create databases on)")
        });
        fresh_database(&admin).await
    } else {
        format!("sqlite://{}", dir.join("escalator.db").display())
    };
    std::fs::write(dir.join(URL_FILE), &url).expect("store url written");
    url
}

/// The database URL recorded for `dir` by [`store_url_for`].
pub fn store_url(dir: &Path) -> String {
    std::fs::read_to_string(dir.join(URL_FILE)).expect("the test's store url")
}

/// Creates `escalator_test_<uuid>` on the server `admin` names; its URL.
pub async fn fresh_database(admin: &str) -> String {
    let name = format!("escalator_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(admin)
        .await
        .expect("connect to ESCALATOR_TEST_POSTGRES_URL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create test database");
    conn.close().await.ok();
    let (base, query) = match admin.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (admin, String::new()),
    };
    let host = base.find("://").map(|i| i + 3).unwrap_or(0);
    let server = match base[host..].find('/') {
        Some(i) => &base[..host + i],
        None => base,
    };
    format!("{server}/{name}{query}")
}
