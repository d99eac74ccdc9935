//! The persistent store: one boundary ([`Repo`], used inside a transaction) and two databases behind it.
//!
//! - **SQLite** in the data directory (the default, [`sqlite`]): WAL, `synchronous=FULL`, one writer thread that
//!   commits queued units of work together (group commit). One process.
//! - **PostgreSQL** ([`postgres`]): snapshot-isolated transactions on a pool, run again on a conflict; several
//!   sandbox processes share one state.
//!
//! The repositories' queries are written once ([`sql`]) and run on either. A caller never sees a result that a
//! crash could still lose: [`Store::write`] answers after the commit.

pub mod calls;
pub mod ledger;
pub(crate) mod postgres;
mod records;
mod repo;
mod schema;
pub(crate) mod sql;
pub(crate) mod sqlite;

use std::path::Path;
use std::sync::Arc;

use alipay_core::Money;

pub use records::*;

/// A storage failure. The database's own error is kept as the [`std::error::Error::source`].
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database refused or failed.
    #[error("database error: {0}")]
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

/// The named counters of [`Repo::next_seq`] (trade numbers, red-packet numbers, …): kept in `meta` on SQLite
/// (one writer), and as sequences (`alipay_seq_<name>`) on PostgreSQL.
pub(crate) const SEQUENCES: &[&str] =
    &["trade_no", "ebpp_agreement", "ebpp_deduction", "ebpp_bill", "coupon_auth_no", "coupon_operation_id"];

/// Everything the engine may do to persistent state, inside one transaction.
///
/// All lookups of trades are scoped by seller: there is no way to read a trade without naming its merchant.
pub trait Repo:
    crate::products::trade::store::TradeRepo
    + crate::products::ebpp::store::EbppRepo
    + crate::products::deduct::store::DeductRepo
    + crate::products::coupon::store::CouponRepo
    + crate::products::bill::store::BillRepo
    + crate::products::auth::store::AuthRepo
    + ledger::LedgerRepo
    + calls::CallLogRepo
    + crate::modes::ModesRepo
{
    /// A value of the key-value `meta` table.
    fn meta(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// The `meta` values of `keys` that are set, in one query.
    fn metas(&self, keys: &[&str]) -> Result<Vec<(String, String)>, StoreError>;
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
    /// Writes the buyer's row without changing it, so that a transaction deciding on the buyer's available
    /// balance without moving it (a pending deduction's reservation) conflicts with one that moves it: under the
    /// shared store's snapshot isolation both could otherwise commit on what each saw (write skew).
    fn lock_buyer(&self, user_id: &str) -> Result<(), StoreError>;
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
    /// Claims up to `limit` notifications due at `now_ms` for delivery by this process: their next attempt
    /// moves to `lease_until_ms`, so no other process (on a shared store) takes them meanwhile, and if this one
    /// dies before recording the attempt they are due again when the lease ends. Rows another transaction holds
    /// are skipped (PostgreSQL's `FOR UPDATE SKIP LOCKED`).
    fn claim_outbox(&self, now_ms: i64, lease_until_ms: i64, limit: usize) -> Result<Vec<OutboxRecord>, StoreError>;
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

/// Where the state lives: a SQLite file, or a PostgreSQL database shared by several instances.
#[derive(Debug)]
enum Backend {
    Sqlite(sqlite::SqliteStore),
    Postgres(postgres::PgStore),
}

/// The store: [`Repo`] inside transactions, on the embedded SQLite file or a shared PostgreSQL database.
#[derive(Debug)]
pub struct Store {
    backend: Backend,
}

impl Store {
    /// Opens (creating and migrating if needed) the SQLite database at `path` and starts its writer thread.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Ok(Store { backend: Backend::Sqlite(sqlite::SqliteStore::open(path)?) })
    }

    /// Connects to a PostgreSQL database (`postgres://USER:PASSWORD@HOST:PORT/DB`), migrating it once however
    /// many instances start together.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let url = url.to_owned();
        let pg = tokio::task::spawn_blocking(move || postgres::PgStore::connect(&url))
            .await
            .map_err(StoreError::backend)??;
        Ok(Store { backend: Backend::Postgres(pg) })
    }

    /// `true` when other processes may change the state too (PostgreSQL): what a process keeps in memory about
    /// shared state (the clock offset, injected faults, registered apps) must then be read again.
    pub fn is_shared(&self) -> bool {
        matches!(self.backend, Backend::Postgres(_))
    }

    /// The shared database's URL without its password; `None` for the embedded store.
    pub fn display(&self) -> Option<String> {
        match &self.backend {
            Backend::Sqlite(_) => None,
            Backend::Postgres(p) => Some(p.display().to_owned()),
        }
    }

    /// Runs `f` as one unit of work in a transaction; `Err` from `f` rolls back its changes. The result is
    /// returned once committed (or with the commit's error). `f` may run more than once on PostgreSQL (a
    /// conflicting transaction is run again on a fresh snapshot), so it must have no effect outside the store.
    pub async fn write<R, E, F>(&self, f: F) -> Result<R, E>
    where
        R: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: Fn(&dyn Repo) -> Result<R, E> + Send + 'static,
    {
        match &self.backend {
            Backend::Sqlite(s) => s.write(f).await,
            Backend::Postgres(p) => p.write(f).await,
        }
    }

    /// Runs `f` in a read transaction (a consistent snapshot of committed data), off the async threads: for
    /// reads that may scan (bills, listings).
    pub async fn read<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&dyn Repo) -> Result<R, StoreError> + Send + 'static,
    {
        match &self.backend {
            Backend::Sqlite(s) => {
                let s = s.clone_handle();
                tokio::task::spawn_blocking(move || s.read_now(f)).await.map_err(StoreError::backend)?
            }
            Backend::Postgres(p) => p.read(f).await,
        }
    }

    /// Like [`Store::read`], for point lookups by key: on SQLite it runs on the calling thread (tens of
    /// microseconds, less than the hand-off to a pool thread and back; a WAL reader never waits for the writer);
    /// on PostgreSQL without a transaction of its own (each statement sees what was committed when it started).
    pub async fn lookup<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&dyn Repo) -> Result<R, StoreError> + Send + 'static,
    {
        match &self.backend {
            Backend::Sqlite(s) => s.read_now(f),
            Backend::Postgres(p) => p.lookup(f).await,
        }
    }

    /// Stops accepting work and waits for what is queued (SQLite); the PostgreSQL pool closes when dropped.
    pub fn close(&self) {
        if let Backend::Sqlite(s) = &self.backend {
            s.close();
        }
    }
}
