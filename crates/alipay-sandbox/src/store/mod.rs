//! The persistent store: one boundary ([`Repo`], used inside a transaction) and one engine behind it
//! (SQLite in WAL mode with `synchronous=FULL`).
//!
//! Writes go through [`Store::write`]: every call is one unit of work run by a single writer thread. The
//! writer takes whatever work is queued, opens one transaction for the batch, runs each unit in its own
//! `SAVEPOINT` (a unit that fails is rolled back alone), commits once, and only then answers each caller
//! (group commit). A caller therefore never sees a result that a crash could still lose. Reads that need no
//! lock go through [`Store::read`] on separate connections.
//!
//! A PostgreSQL backend would implement [`Repo`] over its own transaction and provide the same
//! `write`/`read` pair; nothing outside this module touches SQL.

pub mod ledger;
mod records;
mod schema;
pub(crate) mod sqlite;

use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};

use alipay_core::Money;
use rusqlite::Connection;

pub use records::*;

/// A storage failure. The database's own error is kept as the [`std::error::Error::source`].
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database refused or failed.
    #[error("database error")]
    Backend(#[source] Arc<dyn std::error::Error + Send + Sync>),
    /// A stored value could not be read back.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// The writer thread is gone (the sandbox is shutting down).
    #[error("the store is closed")]
    Closed,
}

impl StoreError {
    /// A backend failure caused by `e`.
    pub(crate) fn backend(e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
        StoreError::Backend(Arc::new(e))
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::backend(e)
    }
}

/// Everything the engine may do to persistent state, inside one transaction.
///
/// All lookups of trades are scoped by seller: there is no way to read a trade without naming its merchant.
pub trait Repo:
    crate::products::trade::store::TradeRepo
    + crate::products::ebpp::store::EbppRepo
    + crate::products::deduct::store::DeductRepo
    + crate::products::coupon::store::CouponRepo
    + ledger::LedgerRepo
    + crate::modes::ModesRepo
{
    /// A value of the key-value `meta` table.
    fn meta(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// Sets a `meta` value.
    fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError>;
    /// Increments and returns a named counter.
    fn next_seq(&self, name: &str) -> Result<i64, StoreError>;

    /// An app by id.
    fn app(&self, app_id: &str) -> Result<Option<AppRecord>, StoreError>;
    /// Registers an app.
    fn insert_app(&self, app: &AppRecord) -> Result<(), StoreError>;
    /// A merchant by PID.
    fn merchant(&self, pid: &str) -> Result<Option<MerchantRecord>, StoreError>;
    /// Creates a merchant.
    fn insert_merchant(&self, merchant: &MerchantRecord) -> Result<(), StoreError>;
    /// Sets a merchant's own app.
    fn set_primary_app(&self, pid: &str, app_id: &str) -> Result<(), StoreError>;
    /// A third-party token.
    fn auth_token(&self, token: &str) -> Result<Option<AuthTokenRecord>, StoreError>;
    /// Stores a third-party token.
    fn insert_auth_token(&self, token: &AuthTokenRecord) -> Result<(), StoreError>;

    /// A buyer by user id.
    fn buyer(&self, user_id: &str) -> Result<Option<BuyerRecord>, StoreError>;
    /// Creates a buyer.
    fn insert_buyer(&self, buyer: &BuyerRecord) -> Result<(), StoreError>;
    /// Sets a buyer's balance.
    fn set_buyer_balance(&self, user_id: &str, balance: Money) -> Result<(), StoreError>;
    /// A payment code.
    fn payment_code(&self, code: &str) -> Result<Option<PaymentCodeRecord>, StoreError>;
    /// Stores a payment code.
    fn insert_payment_code(&self, code: &PaymentCodeRecord) -> Result<(), StoreError>;
    /// Marks a payment code used.
    fn use_payment_code(&self, code: &str) -> Result<(), StoreError>;

    /// Queues a notification.
    fn insert_outbox(&self, item: &OutboxRecord) -> Result<i64, StoreError>;
    /// Pending notifications due at `now_ms` (real time).
    fn due_outbox(&self, now_ms: i64, limit: usize) -> Result<Vec<OutboxRecord>, StoreError>;
    /// The earliest pending attempt time, if any.
    fn next_outbox_due(&self) -> Result<Option<i64>, StoreError>;
    /// Records an attempt and the notification's new status.
    fn record_delivery(
        &self,
        delivery: &DeliveryRecord,
        status: &str,
        next_attempt_at_ms: i64,
    ) -> Result<(), StoreError>;
    /// Notifications, newest first, optionally of one app / one out_trade_no.
    fn outbox(
        &self,
        app_id: Option<&str>,
        out_trade_no: Option<&str>,
        limit: usize,
    ) -> Result<Vec<OutboxRecord>, StoreError>;
    /// The attempts of one notification.
    fn deliveries(&self, notification_id: i64) -> Result<Vec<DeliveryRecord>, StoreError>;

    /// Makes a notification due now (`pending`, next attempt at `now_ms`), whatever its status: "deliver now"
    /// for a pending one, "resend" for a delivered or failed one. `false` if there is no such notification.
    fn requeue_notification(&self, id: i64, now_ms: i64) -> Result<bool, StoreError>;

    /// Registered apps, newest first (the console's lists).
    fn apps(&self, limit: usize) -> Result<Vec<AppRecord>, StoreError>;
    /// Merchants, newest first.
    fn merchants(&self, limit: usize) -> Result<Vec<MerchantRecord>, StoreError>;
    /// Buyers whose user id or logon id contains `query` (all when `None`), newest first, with their available
    /// balance.
    fn buyers(&self, query: Option<&str>, limit: usize) -> Result<Vec<BuyerRecord>, StoreError>;

    /// Deletes every row except the `meta` keys named in `keep_meta`.
    fn wipe(&self, keep_meta: &[&str]) -> Result<(), StoreError>;
}

/// A unit of work for the writer: runs inside its savepoint, returns how to answer after the commit.
type Job = Box<dyn FnOnce(&Connection) -> Completion + Send>;
/// Answers one caller once the batch's commit is known (`None`: committed).
type Completion = Box<dyn FnOnce(Option<StoreError>) + Send>;

/// Most units of work one transaction takes.
const MAX_BATCH: usize = 256;

/// Read connections kept open for reuse. Opening one (and its pragmas) costs far more than a read, so the pool
/// is sized for the concurrency a gateway sees; beyond it, extra connections are opened and closed per read.
const MAX_READERS: usize = 64;

/// The store: a writer thread with group commit, and read connections.
pub struct Store {
    path: PathBuf,
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
    readers: Arc<Mutex<Vec<Connection>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating and migrating if needed) the database at `path` and starts the writer thread.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let mut conn = sqlite::open(path)?;
        schema::migrate(&mut conn)?;
        let (tx, rx) = mpsc::channel::<Job>();
        let writer = std::thread::Builder::new()
            .name("sandbox-store-writer".into())
            .spawn(move || writer_loop(conn, rx))
            .map_err(StoreError::backend)?;
        Ok(Store {
            path: path.to_owned(),
            jobs: Mutex::new(Some(tx)),
            writer: Mutex::new(Some(writer)),
            readers: Arc::new(Mutex::new(Vec::new())),
        })
    }

    /// Runs `f` as one unit of work in the next group commit. `Err` from `f` rolls back its own changes
    /// only. The result is returned once the batch has committed (or with the commit's error).
    pub async fn write<R, E, F>(&self, f: F) -> Result<R, E>
    where
        R: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&dyn Repo) -> Result<R, E> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel::<Result<R, E>>();
        let job: Job = Box::new(move |conn: &Connection| -> Completion {
            if let Err(e) = run(conn, "SAVEPOINT unit") {
                let err = StoreError::from(e);
                return Box::new(move |_| {
                    let _ = tx.send(Err(E::from(err)));
                });
            }
            let repo = sqlite::SqliteRepo::new(conn);
            let result = f(&repo);
            let cleanup = if result.is_ok() {
                run(conn, "RELEASE unit")
            } else {
                run(conn, "ROLLBACK TO unit").and_then(|()| run(conn, "RELEASE unit"))
            };
            let result = match cleanup {
                Ok(()) => result,
                Err(e) => Err(E::from(StoreError::from(e))),
            };
            Box::new(move |commit: Option<StoreError>| {
                let out = match commit {
                    None => result,
                    Some(e) => Err(E::from(e)),
                };
                let _ = tx.send(out);
            })
        });
        let sent = match self.jobs.lock() {
            Ok(guard) => guard.as_ref().map(|s| s.send(job).is_ok()).unwrap_or(false),
            Err(_) => false,
        };
        if !sent {
            return Err(E::from(StoreError::Closed));
        }
        rx.await.unwrap_or_else(|_| Err(E::from(StoreError::Closed)))
    }

    /// Runs `f` on a read connection, in a read transaction (a consistent snapshot of committed data), on a
    /// blocking-pool thread: for reads that may scan (bills, listings).
    pub async fn read<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&dyn Repo) -> Result<R, StoreError> + Send + 'static,
    {
        let readers = Arc::clone(&self.readers);
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || read_now(&readers, &path, f)).await.map_err(StoreError::backend)?
    }

    /// Like [`Store::read`] but on the calling thread, for point lookups by key (tens of microseconds, less
    /// than the hand-off to a pool thread and back). A WAL reader never waits for the writer.
    pub fn lookup<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        F: FnOnce(&dyn Repo) -> Result<R, StoreError>,
    {
        read_now(&self.readers, &self.path, f)
    }

    /// Stops accepting work, lets the writer finish what is queued, and waits for it.
    pub fn close(&self) {
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.take();
        }
        let handle = self.writer.lock().ok().and_then(|mut w| w.take());
        if let Some(h) = handle {
            let _ = h.join();
        }
        if let Ok(mut pool) = self.readers.lock() {
            pool.clear();
        }
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        self.close();
    }
}

/// Runs `f` in a read transaction on a pooled read connection (opened if the pool is empty).
fn read_now<R>(
    readers: &Mutex<Vec<Connection>>,
    path: &Path,
    f: impl FnOnce(&dyn Repo) -> Result<R, StoreError>,
) -> Result<R, StoreError> {
    let pooled = readers.lock().ok().and_then(|mut pool| pool.pop());
    let conn = match pooled {
        Some(c) => c,
        None => sqlite::open(path)?,
    };
    run(&conn, "BEGIN DEFERRED")?;
    let result = f(&sqlite::SqliteRepo::new(&conn));
    let end = run(&conn, "COMMIT");
    if end.is_ok() {
        if let Ok(mut pool) = readers.lock() {
            if pool.len() < MAX_READERS {
                pool.push(conn);
            }
        }
    }
    result
}

/// The writer: one transaction per batch of queued units, one commit, then the answers.
fn writer_loop(conn: Connection, rx: mpsc::Receiver<Job>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if let Err(e) = run(&conn, "BEGIN IMMEDIATE") {
            let err = StoreError::from(e);
            tracing::error!(error = %err, "cannot begin a transaction");
            for job in batch {
                // Run nothing: answer each unit with the error. The job must still be consumed to reply.
                let completion = job_error(job, &err);
                completion(Some(err.clone()));
            }
            continue;
        }
        let completions: Vec<Completion> = batch.into_iter().map(|job| job(&conn)).collect();
        let commit = run(&conn, "COMMIT").err().map(StoreError::from);
        if let Some(e) = &commit {
            tracing::error!(error = %e, "group commit failed");
            let _ = run(&conn, "ROLLBACK");
        }
        for c in completions {
            c(commit.clone());
        }
    }
}

/// Runs a statement without parameters through the connection's statement cache (transaction control runs
/// several times per request; parsing it each time showed in profiles).
fn run(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

/// Drops a job that cannot run, producing a completion that reports `err`.
fn job_error(job: Job, err: &StoreError) -> Completion {
    drop(job);
    let err = err.clone();
    Box::new(move |_| tracing::warn!(error = %err, "unit of work dropped"))
}
