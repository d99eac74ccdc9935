//! The shared store: PostgreSQL, for several sandbox instances over one state.
//!
//! Every [`PgStore::write`] is one `REPEATABLE READ` transaction (snapshot isolation) on a pooled connection,
//! run on a blocking-pool thread. PostgreSQL decides what two instances may do at once:
//!
//! - Money moves by updating the row that holds it (a trade's refunded total, a buyer's or merchant's
//!   balance, a red packet's rest), read in the same transaction. When another transaction updated that row
//!   after this one's snapshot, PostgreSQL refuses the update (`could not serialize access due to concurrent
//!   update`): the transaction is rolled back and the unit of work runs again on a fresh snapshot, where it sees
//!   what the other committed — the answer a single writer would have given (two refunds racing for the last
//!   7.00: one succeeds, the other is refused as exceeding).
//! - Uniqueness is the schema's constraints (`out_trade_no` per merchant, `out_request_no` per trade and red
//!   packet, deductions' `out_order_no`, one usable agreement per bill identity); a unique violation runs the
//!   unit again too, which then sees the row that won (400 identical `trade.pay`: one trade, 400 answers naming
//!   it).
//! - A decision made on rows the transaction does not otherwise write (a pending deduction reserving the
//!   buyer's available balance) writes the row it depends on ([`super::Repo::lock_buyer`]), so the write skew
//!   snapshot isolation allows cannot happen.
//!
//! `SERIALIZABLE` would give the same answers without the last rule, but its predicate locks on index pages
//! abort most concurrent inserts of neighbouring keys (sequential `out_trade_no`s): measured, 1,486 rollbacks for
//! 2,586 commits in a precreate run and 40% less throughput. A unit of work may run more than once: it must not
//! have effects outside the store ([`super::Store::write`] takes an `Fn`).
//!
//! A caller is answered only after `COMMIT` returned, and the server commits with `synchronous_commit` as
//! configured (`on` by default: flushed to its WAL).
//!
//! Queries are the repositories' (written once for both databases, [`super::sql`]): `?N` placeholders become
//! `$N` and `instr(a, b)` becomes `strpos(a, b)` as a statement is first prepared on a connection, then the
//! prepared statement is reused. The schema is SQLite's, mapped by [`ddl`].

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::error::Error as StdError;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use postgres::error::SqlState;
use postgres::types::{IsNull, ToSql, Type};
use postgres::{NoTls, Statement};

use super::schema::Components;
use super::sql::{Conn, Dialect, Row, SqlRepo, Value};
use super::{Repo, StoreError};

/// A PostgreSQL failure, described by the server's message and SQLSTATE (the client's own text is "db error").
#[derive(Debug, thiserror::Error)]
#[error("{detail}")]
struct PgFailure {
    detail: String,
    #[source]
    cause: postgres::Error,
}

/// A store error from a PostgreSQL error.
fn pg(e: postgres::Error) -> StoreError {
    let detail = match e.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => e.to_string(),
    };
    StoreError::backend(PgFailure { detail, cause: e })
}

/// Connections one instance keeps at most.
const POOL_SIZE: u32 = 16;

/// How many times a unit of work runs before a persistent conflict is reported.
const MAX_ATTEMPTS: u32 = 50;

/// The advisory lock held while migrating, so that instances starting together migrate once.
const MIGRATION_LOCK: i64 = 0x0061_6c69_7061_7901;

/// A pooled connection and the statements prepared on it.
pub struct PgClient {
    /// Always `Some` until dropped.
    client: Option<postgres::Client>,
    statements: HashMap<String, Statement>,
    /// Inside a transaction this code began: a connection handed back in that state (a unit of work that
    /// panicked) is discarded by the pool, never reused mid-transaction.
    in_transaction: bool,
}

impl PgClient {
    fn prepare(&mut self, sql: &str) -> Result<Statement, StoreError> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let statement = self.client()?.prepare(&dialect_sql(sql)).map_err(pg)?;
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    fn client(&mut self) -> Result<&mut postgres::Client, StoreError> {
        self.client.as_mut().ok_or(StoreError::Closed)
    }

    /// Runs statements without arguments (transaction control).
    fn run(&mut self, sql: &str) -> Result<(), StoreError> {
        let result = self.client()?.batch_execute(sql).map_err(pg);
        if sql.starts_with("BEGIN") {
            self.in_transaction = result.is_ok();
        } else if sql == "COMMIT" || sql == "ROLLBACK" {
            // Over either way: a failed COMMIT rolls back.
            self.in_transaction = false;
        }
        result
    }
}

impl Drop for PgClient {
    /// The synchronous client closes its connection by blocking on a runtime of its own, which may not happen on
    /// an async runtime's thread (the pool may be dropped on one): there, it closes on a thread of its own.
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                let _ = std::thread::Builder::new().name("sandbox-pg-close".into()).spawn(move || drop(client));
            }
        }
    }
}

/// Opens pooled connections.
#[derive(Debug)]
struct Manager {
    config: postgres::Config,
}

impl r2d2::ManageConnection for Manager {
    type Connection = PgClient;
    type Error = postgres::Error;

    fn connect(&self) -> Result<PgClient, postgres::Error> {
        let client = self.config.connect(NoTls)?;
        Ok(PgClient { client: Some(client), statements: HashMap::new(), in_transaction: false })
    }

    fn is_valid(&self, conn: &mut PgClient) -> Result<(), postgres::Error> {
        match conn.client.as_mut() {
            Some(c) => c.simple_query("").map(|_| ()),
            None => Ok(()),
        }
    }

    fn has_broken(&self, conn: &mut PgClient) -> bool {
        conn.in_transaction || conn.client.as_ref().is_none_or(postgres::Client::is_closed)
    }
}

/// The PostgreSQL store: a pool of connections.
#[derive(Clone)]
pub struct PgStore {
    pool: r2d2::Pool<Manager>,
    /// The URL without its password, for logs and errors.
    display: Arc<str>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("url", &self.display).finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://USER:PASSWORD@HOST:PORT/DB`, libpq's URL form), migrates the schema once
    /// (under an advisory lock, so instances starting together do not race), and keeps a pool of connections.
    /// Blocking: call it from a blocking context.
    pub fn connect(url: &str, families: Components) -> Result<PgStore, StoreError> {
        let config: postgres::Config = url.parse().map_err(StoreError::backend)?;
        let display = redacted(url);
        let pool = r2d2::Pool::builder()
            .max_size(POOL_SIZE)
            .min_idle(Some(1))
            .test_on_check_out(false)
            .connection_timeout(Duration::from_secs(30))
            .build(Manager { config })
            .map_err(StoreError::backend)?;
        let store = PgStore { pool, display: display.into() };
        store.migrate(families)?;
        Ok(store)
    }

    fn migrate(&self, families: Components) -> Result<(), StoreError> {
        let mut client = self.pool.get().map_err(StoreError::backend)?;
        client.client()?.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK]).map_err(pg)?;
        let result = (|| -> Result<(), StoreError> {
            let steps = super::schema::pending(&PgConn::new(&mut client), families)?;
            for step in steps {
                client.run("BEGIN")?;
                let applied = step.apply(&PgConn::new(&mut client));
                client.run(if applied.is_ok() { "COMMIT" } else { "ROLLBACK" })?;
                applied?;
            }
            for name in super::SEQUENCES {
                client.run(&format!("CREATE SEQUENCE IF NOT EXISTS alipay_seq_{name}"))?;
            }
            Ok(())
        })();
        let unlock = client.client()?.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]);
        result?;
        unlock.map_err(pg)?;
        Ok(())
    }

    /// Runs `f` in a `REPEATABLE READ` transaction, again on a conflict (see the module's documentation);
    /// answers after the commit.
    pub async fn write<R, E, F>(&self, f: F) -> Result<R, E>
    where
        R: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: Fn(&dyn Repo) -> Result<R, E> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || write_now(&pool, &f))
            .await
            .unwrap_or_else(|e| Err(E::from(StoreError::backend(e))))
    }

    /// Runs `f` in a read-only snapshot (`REPEATABLE READ READ ONLY`) on a blocking-pool thread.
    pub async fn read<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&dyn Repo) -> Result<R, StoreError> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut client = pool.get().map_err(StoreError::backend)?;
            client.run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
            let result = f(&SqlRepo::new(&PgConn::new(&mut client)));
            client.run(if result.is_ok() { "COMMIT" } else { "ROLLBACK" })?;
            result
        })
        .await
        .map_err(StoreError::backend)?
    }

    /// Runs `f` without a transaction of its own, on a blocking-pool thread: each statement sees what was
    /// committed when it started (point lookups by key, one round trip each; [`PgStore::read`] for a snapshot).
    pub async fn lookup<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&dyn Repo) -> Result<R, StoreError> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut client = pool.get().map_err(StoreError::backend)?;
            f(&SqlRepo::new(&PgConn::new(&mut client)))
        })
        .await
        .map_err(StoreError::backend)?
    }

    /// The URL without its password.
    pub fn display(&self) -> &str {
        &self.display
    }
}

fn write_now<R, E>(pool: &r2d2::Pool<Manager>, f: &dyn Fn(&dyn Repo) -> Result<R, E>) -> Result<R, E>
where
    E: From<StoreError>,
{
    let mut client = pool.get().map_err(|e| E::from(StoreError::backend(e)))?;
    let mut attempt = 0;
    loop {
        attempt += 1;
        client.run("BEGIN ISOLATION LEVEL REPEATABLE READ")?;
        let (result, conflict) = {
            let conn = PgConn::new(&mut client);
            let result = f(&SqlRepo::new(&conn));
            (result, conn.conflict.get())
        };
        if conflict || result.is_err() {
            client.run("ROLLBACK")?;
            if conflict && attempt < MAX_ATTEMPTS {
                backoff(attempt);
                continue;
            }
            return result;
        }
        let committed = client.client()?.batch_execute("COMMIT");
        client.in_transaction = false;
        match committed {
            Ok(()) => return result,
            Err(e) if is_conflict(&e) && attempt < MAX_ATTEMPTS => backoff(attempt),
            Err(e) => return Err(E::from(pg(e))),
        }
    }
}

/// A short, growing, jittered pause before running a conflicting unit of work again.
fn backoff(attempt: u32) {
    use rand::Rng;
    let cap = 1u64 << attempt.min(6);
    std::thread::sleep(Duration::from_micros(rand::rng().random_range(100..=100 * cap)));
}

/// A failure that running the unit of work again can resolve: a serialization failure, a deadlock, or a
/// unique violation (a concurrent transaction inserted the same key first; the retry sees its row).
fn is_conflict(e: &postgres::Error) -> bool {
    e.code().is_some_and(|c| {
        *c == SqlState::T_R_SERIALIZATION_FAILURE
            || *c == SqlState::T_R_DEADLOCK_DETECTED
            || *c == SqlState::UNIQUE_VIOLATION
    })
}

/// A pooled connection inside a transaction, as a [`Conn`]; notes whether a statement hit a conflict.
struct PgConn<'a> {
    client: RefCell<&'a mut PgClient>,
    conflict: Cell<bool>,
}

impl<'a> PgConn<'a> {
    fn new(client: &'a mut PgClient) -> Self {
        PgConn { client: RefCell::new(client), conflict: Cell::new(false) }
    }

    fn fail(&self, e: postgres::Error) -> StoreError {
        if is_conflict(&e) {
            self.conflict.set(true);
        }
        pg(e)
    }
}

impl Conn for PgConn<'_> {
    fn execute(&self, sql: &str, args: &[Value]) -> Result<u64, StoreError> {
        let mut client = self.client.borrow_mut();
        let statement = client.prepare(sql)?;
        let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
        client.client()?.execute(&statement, &params).map_err(|e| self.fail(e))
    }

    fn query(&self, sql: &str, args: &[Value]) -> Result<Vec<Row>, StoreError> {
        let mut client = self.client.borrow_mut();
        let statement = client.prepare(sql)?;
        let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
        let rows = client.client()?.query(&statement, &params).map_err(|e| self.fail(e))?;
        let names: Arc<[String]> = statement.columns().iter().map(|c| c.name().to_owned()).collect();
        rows.iter()
            .map(|r| {
                let values = (0..r.len()).map(|i| value_at(r, i)).collect::<Result<Vec<_>, _>>()?;
                Ok(Row::new(Arc::clone(&names), values))
            })
            .collect()
    }

    fn batch(&self, sql: &str) -> Result<(), StoreError> {
        self.client.borrow_mut().client()?.batch_execute(sql).map_err(|e| self.fail(e))
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn tables(&self) -> Result<Vec<String>, StoreError> {
        let rows = self.query(
            "SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY c.oid DESC",
            &[],
        )?;
        rows.iter().map(|r| r.get("name")).collect()
    }
}

/// Reads column `i` of a row as a [`Value`].
fn value_at(row: &postgres::Row, i: usize) -> Result<Value, StoreError> {
    let ty = row.columns().get(i).map(|c| c.type_().clone()).unwrap_or(Type::UNKNOWN);
    let get_err = pg;
    Ok(match ty {
        Type::INT8 => row.try_get::<_, Option<i64>>(i).map_err(get_err)?.map_or(Value::Null, Value::Int),
        Type::INT4 => row.try_get::<_, Option<i32>>(i).map_err(get_err)?.map_or(Value::Null, |v| Value::Int(v.into())),
        Type::INT2 => row.try_get::<_, Option<i16>>(i).map_err(get_err)?.map_or(Value::Null, |v| Value::Int(v.into())),
        Type::BOOL => row.try_get::<_, Option<bool>>(i).map_err(get_err)?.map_or(Value::Null, |v| Value::Int(v.into())),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => {
            row.try_get::<_, Option<String>>(i).map_err(get_err)?.map_or(Value::Null, Value::Text)
        }
        Type::BYTEA => row.try_get::<_, Option<Vec<u8>>>(i).map_err(get_err)?.map_or(Value::Null, Value::Blob),
        other => return Err(StoreError::Corrupt(format!("column {i} of unsupported type {other}"))),
    })
}

impl ToSql for Value {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                _ => Err(format!("an integer given for a parameter of type {ty}").into()),
            },
            Value::Text(s) => match *ty {
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => s.as_str().to_sql(ty, out),
                _ => Err(format!("text given for a parameter of type {ty}").into()),
            },
            Value::Blob(b) => match *ty {
                Type::BYTEA => b.as_slice().to_sql(ty, out),
                _ => Err(format!("bytes given for a parameter of type {ty}").into()),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

/// A repository statement in PostgreSQL's spelling: `?N` placeholders as `$N` (outside quoted text), `instr(`
/// as `strpos(` (same arguments, same answer).
fn dialect_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut quoted = false;
    for c in sql.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted => out.push('$'),
            _ => out.push(c),
        }
    }
    out.replace("instr(", "strpos(")
}

/// The schema's SQLite DDL for PostgreSQL: `INTEGER` columns are `BIGINT` (the repositories bind 64-bit
/// integers), autoincrement keys are `BIGSERIAL`, `BLOB` is `BYTEA`, and every table gets a `rowid BIGSERIAL`
/// column (SQLite's implicit insertion order, which the console's lists sort by).
pub fn ddl(sql: &str) -> String {
    let mut out = sql
        .replace("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY")
        .replace("INTEGER", "BIGINT")
        .replace("BLOB", "BYTEA");
    let mut from = 0;
    while let Some(i) = out.get(from..).and_then(|rest| rest.find("CREATE TABLE ")).map(|i| i + from) {
        let Some(open) = out.get(i..).and_then(|rest| rest.find('(')).map(|p| p + i) else { break };
        out.insert_str(open + 1, "rowid BIGSERIAL, ");
        from = open + 1;
    }
    out
}

/// `url` with its password replaced by `***`.
fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => "postgres://…".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_and_instr_are_rewritten_outside_quotes() {
        assert_eq!(
            dialect_sql("SELECT a FROM t WHERE (CAST(?1 AS TEXT) IS NULL OR instr(b, ?1) > 0) AND c = '?' LIMIT ?2"),
            "SELECT a FROM t WHERE (CAST($1 AS TEXT) IS NULL OR strpos(b, $1) > 0) AND c = '?' LIMIT $2"
        );
    }

    #[test]
    fn ddl_maps_types_and_adds_rowid() {
        assert_eq!(
            ddl("CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT, x INTEGER NOT NULL, b BLOB);\nCREATE TABLE c (k TEXT)"),
            "CREATE TABLE a (rowid BIGSERIAL, id BIGSERIAL PRIMARY KEY, x BIGINT NOT NULL, b BYTEA);\nCREATE TABLE c (rowid BIGSERIAL, k TEXT)"
        );
    }

    #[test]
    fn passwords_are_not_displayed() {
        assert_eq!(redacted("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
    }
}
