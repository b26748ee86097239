//! Which database the store runs on, how it is opened, and the few places where the SQL
//! differs. Everything else is one set of queries (`$N` placeholders, portable SQL) run
//! through sqlx's `Any` driver.
//!
//! - SQLite (one file, one process at a time writing): a single write connection and
//!   `BEGIN IMMEDIATE` serialise writers; WAL lets readers run beside them.
//! - PostgreSQL (several replicas on one database): one pool; writes run in plain
//!   READ COMMITTED transactions, leases are claimed with `FOR UPDATE SKIP LOCKED`, and the
//!   events of one call are folded in order under a transaction-scoped advisory lock on
//!   the call (see [`Backend::lock_calls`]).

use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Any, AnyConnection, AnyPool, ConnectOptions, Transaction};

use super::StoreError;

/// Connections the PostgreSQL pool opens at most when the configuration does not say.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 10;

/// Read connections beside SQLite's single writer.
const SQLITE_READERS: u32 = 4;

/// The database a store URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The database file a `sqlite:` URL names (`None` for other URLs and in-memory ones).
    pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
        let url = url.trim();
        if !url.starts_with("sqlite:") || url.contains(":memory:") || url.contains("mode=memory") {
            return None;
        }
        let options = SqliteConnectOptions::from_str(url).ok()?;
        Some(options.get_filename().to_path_buf())
    }

    /// What a start-up error names: the SQLite file, or the PostgreSQL host and database
    /// (never the user or password).
    pub fn describe_url(url: &str) -> String {
        if let Some(file) = Self::sqlite_file(url) {
            return format!("SQLite database {}", file.display());
        }
        match reqwest::Url::parse(url.trim()) {
            Ok(u) if u.scheme().starts_with("postgres") => format!(
                "PostgreSQL at {}:{}{}",
                u.host_str().unwrap_or("localhost"),
                u.port().unwrap_or(5432),
                u.path()
            ),
            _ => "the store at store.url".to_string(),
        }
    }

    /// The backend of `url` (`sqlite:…`, `postgres://…` or `postgresql://…`), or what is
    /// wrong with it.
    pub fn of_url(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or(url);
            Err(format!(
                "{scheme:?} is not a supported database: use \"sqlite://<file>\" (one \
                 instance) or \"postgres://user@host:5432/db\" (one or more replicas)"
            ))
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// Starts a write transaction on `pool`.
    pub(super) async fn begin(
        self,
        pool: &AnyPool,
    ) -> Result<Transaction<'static, Any>, StoreError> {
        Ok(match self {
            // Takes the write lock up front, so a second process on the same file waits on
            // busy_timeout instead of failing mid-transaction.
            Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => pool.begin().await?,
        })
    }

    /// Holds, until the transaction ends, the right to fold events into each of these
    /// calls, so two replicas never fold one call's events at once (per-call order).
    ///
    /// An advisory lock rather than `SELECT … FOR UPDATE` on `call_sessions`: the first
    /// event of a call has no row to lock yet. Keys are taken in sorted order, so two
    /// deliveries that touch the same calls cannot deadlock; they are taken before
    /// anything else in the transaction (the audit head in particular). On SQLite the
    /// transaction already holds the only write lock.
    pub(super) async fn lock_calls(
        self,
        tx: &mut AnyConnection,
        calls: &[String],
    ) -> Result<(), StoreError> {
        if self == Backend::Sqlite {
            return Ok(());
        }
        let mut keys: Vec<&String> = calls.iter().collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            sqlx::query("SELECT 1 AS locked FROM pg_advisory_xact_lock(hashtextextended($1, 0))")
                .bind(key.as_str())
                .execute(&mut *tx)
                .await?;
        }
        Ok(())
    }

    /// Lets one transaction at a time do `what` across replicas (a no-op on SQLite, whose
    /// write transactions are serialised anyway).
    pub(super) async fn lock_singleton(
        self,
        tx: &mut AnyConnection,
        what: &str,
    ) -> Result<(), StoreError> {
        self.lock_calls(tx, &[format!("escalator:{what}")]).await
    }

    /// What ends a SELECT that claims rows: `FOR UPDATE SKIP LOCKED` on PostgreSQL, so
    /// replicas claiming at once take different rows instead of waiting on each other.
    pub(super) fn skip_locked(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// What ends a SELECT of a row the transaction is about to change.
    pub(super) fn for_update(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }

    /// `expr` (RFC 3339 text) as a comparable instant: stored times vary in their
    /// fractional digits, so text order is not time order.
    pub(super) fn instant(self, expr: &str) -> String {
        match self {
            Backend::Sqlite => format!("julianday({expr})"),
            Backend::Postgres => format!("CAST({expr} AS TIMESTAMPTZ)"),
        }
    }
}

/// The store's connections: SQLite's single writer and its readers, or one PostgreSQL
/// pool serving both.
pub(super) struct Pools {
    pub writer: AnyPool,
    pub reader: AnyPool,
}

/// Opens `url` and brings its schema up to date.
pub(super) async fn open(
    url: &str,
    backend: Backend,
    max_connections: u32,
) -> Result<Pools, StoreError> {
    sqlx::any::install_default_drivers();
    match backend {
        Backend::Sqlite => open_sqlite(url).await,
        Backend::Postgres => {
            let pool = AnyPoolOptions::new()
                .max_connections(max_connections.max(1))
                .connect_with(AnyConnectOptions::from_str(url)?)
                .await?;
            // Replicas starting together are fine: the migrator holds an advisory lock.
            sqlx::migrate!("./migrations/postgres").run(&pool).await?;
            Ok(Pools {
                writer: pool.clone(),
                reader: pool,
            })
        }
    }
}

async fn open_sqlite(url: &str) -> Result<Pools, StoreError> {
    // The URL's own options (mode, cache…) are kept; the `Any` driver takes only a URL, so
    // the pragmas below are set on each new connection.
    if url.contains(":memory:") || url.contains("mode=memory") {
        return Err(StoreError::Url(
            "an in-memory SQLite database is lost when the process stops: name a file \
             (\"sqlite://escalator.db\")"
                .into(),
        ));
    }
    let base = SqliteConnectOptions::from_str(url)?;
    let writer_url = base.clone().create_if_missing(true).to_url_lossy();
    let reader_url = base.create_if_missing(false).read_only(true).to_url_lossy();
    // A local file cannot drop a connection: no ping before each use (a round trip to the
    // connection's worker thread for every statement batch).
    let writer = AnyPoolOptions::new()
        .max_connections(1)
        .test_before_acquire(false)
        .after_connect(|conn, _| {
            Box::pin(async move {
                // In WAL mode NORMAL loses no committed transaction on a process crash;
                // only an OS crash can roll back the last commits. busy_timeout (5 s) and
                // foreign_keys are sqlx's defaults for every SQLite connection.
                sqlx::query("PRAGMA journal_mode = WAL")
                    .execute(&mut *conn)
                    .await?;
                sqlx::query("PRAGMA synchronous = NORMAL")
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .connect_with(AnyConnectOptions::from_str(writer_url.as_str())?)
        .await?;
    sqlx::migrate!("./migrations").run(&writer).await?;
    let reader = AnyPoolOptions::new()
        .max_connections(SQLITE_READERS)
        .test_before_acquire(false)
        .connect_with(AnyConnectOptions::from_str(reader_url.as_str())?)
        .await?;
    Ok(Pools { writer, reader })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_backend_and_others_are_refused_with_the_forms_that_work() {
        assert_eq!(
            Backend::of_url("sqlite://escalator.db"),
            Ok(Backend::Sqlite)
        );
        assert_eq!(Backend::of_url("sqlite::memory:"), Ok(Backend::Sqlite));
        assert_eq!(
            Backend::of_url("postgres://esc@db:5432/escalator"),
            Ok(Backend::Postgres)
        );
        assert_eq!(
            Backend::of_url("postgresql://esc@db/escalator"),
            Ok(Backend::Postgres)
        );
        let err = Backend::of_url("mysql://root@db/escalator").unwrap_err();
        assert!(err.contains("\"mysql\""), "{err}");
        assert!(err.contains("postgres://"), "{err}");
        assert!(Backend::of_url("escalator.db").is_err());
    }

    #[tokio::test]
    async fn an_in_memory_sqlite_database_is_refused_rather_than_lost() {
        let err = open("sqlite::memory:", Backend::Sqlite, 1)
            .await
            .err()
            .expect("refused");
        assert!(err.to_string().contains("name a file"), "{err}");
    }

    #[tokio::test]
    async fn a_sqlite_file_is_created_in_wal_mode_with_its_schema() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("new.db").display());
        let pools = open(&url, Backend::Sqlite, 1).await.expect("opens");
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&pools.writer)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&pools.writer)
            .await
            .unwrap();
        assert_eq!(sync, 1, "NORMAL");
        let tables: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'actions'",
        )
        .fetch_one(&pools.reader)
        .await
        .unwrap();
        assert_eq!(tables, 1);
        // Readers cannot write.
        let write = sqlx::query("DELETE FROM actions")
            .execute(&pools.reader)
            .await;
        assert!(write.is_err());
    }
}
