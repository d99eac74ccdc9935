//! The embedded store: SQLite in WAL mode with `synchronous=FULL`, one writer thread with group commit.
//!
//! Writes go through [`SqliteStore::write`]: every call is one unit of work run by a single writer thread. The
//! writer takes whatever work is queued, opens one transaction for the batch, runs each unit in its own
//! `SAVEPOINT` (a unit that fails is rolled back alone), commits once, and only then answers each caller
//! (group commit). A caller therefore never sees a result that a crash could still lose. Reads that need no
//! lock go through [`SqliteStore::read`] on separate connections.

use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::Connection;

use super::schema::Components;
use super::sql::{Conn, Dialect, Row, SqlRepo, Value};
use super::{Repo, StoreError};

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::backend(e)
    }
}

/// Opens a connection with the sandbox's settings: WAL, `synchronous=FULL`, foreign keys, busy timeout.
pub fn open(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Every statement the repository runs is prepared once per connection and reused (parsing costs more than
    // most of the sandbox's queries); the cache holds them all.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// Prepared statements kept per connection: more than the repository's distinct statements.
const STATEMENT_CACHE: usize = 256;

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

fn value_of(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Text(f.to_string()),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

/// A SQLite connection as a [`Conn`] (statements go through its statement cache).
pub struct SqliteConn<'a>(pub &'a Connection);

impl Conn for SqliteConn<'_> {
    fn execute(&self, sql: &str, args: &[Value]) -> Result<u64, StoreError> {
        let n = self.0.prepare_cached(sql)?.execute(rusqlite::params_from_iter(args))?;
        Ok(u64::try_from(n).unwrap_or(u64::MAX))
    }

    fn query(&self, sql: &str, args: &[Value]) -> Result<Vec<Row>, StoreError> {
        let mut stmt = self.0.prepare_cached(sql)?;
        let names: Arc<[String]> = stmt.column_names().into_iter().map(str::to_owned).collect();
        let width = names.len();
        let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut values = Vec::with_capacity(width);
            for i in 0..width {
                values.push(value_of(r.get_ref(i)?));
            }
            out.push(Row::new(Arc::clone(&names), values));
        }
        Ok(out)
    }

    fn batch(&self, sql: &str) -> Result<(), StoreError> {
        Ok(self.0.execute_batch(sql)?)
    }

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn tables(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.0.prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid DESC",
        )?;
        let names = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
        Ok(names)
    }
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

/// The embedded store: a writer thread with group commit, and read connections.
pub struct SqliteStore {
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
    reader: SqliteReader,
}

/// The read side of a [`SqliteStore`]: pooled read connections (a handle that can move to another thread).
#[derive(Clone)]
pub struct SqliteReader {
    path: PathBuf,
    readers: Arc<Mutex<Vec<Connection>>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.reader.path).finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating and migrating if needed) the database at `path` and starts the writer thread.
    pub fn open(path: &Path, families: Components) -> Result<SqliteStore, StoreError> {
        let mut conn = open(path)?;
        migrate(&mut conn, families)?;
        let (tx, rx) = mpsc::channel::<Job>();
        let writer = std::thread::Builder::new()
            .name("sandbox-store-writer".into())
            .spawn(move || writer_loop(conn, rx))
            .map_err(StoreError::backend)?;
        Ok(SqliteStore {
            jobs: Mutex::new(Some(tx)),
            writer: Mutex::new(Some(writer)),
            reader: SqliteReader { path: path.to_owned(), readers: Arc::new(Mutex::new(Vec::new())) },
        })
    }

    /// Runs `f` as one unit of work in the next group commit (see the module's documentation).
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
            let sql = SqliteConn(conn);
            let result = f(&SqlRepo::new(&sql));
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

    /// A handle on the read connections.
    pub fn clone_handle(&self) -> SqliteReader {
        self.reader.clone()
    }

    /// Runs `f` in a read transaction on the calling thread ([`SqliteReader::read_now`]).
    pub fn read_now<R>(&self, f: impl FnOnce(&dyn Repo) -> Result<R, StoreError>) -> Result<R, StoreError> {
        self.reader.read_now(f)
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
        if let Ok(mut pool) = self.reader.readers.lock() {
            pool.clear();
        }
    }
}

impl SqliteReader {
    /// Runs `f` in a read transaction on a pooled read connection (opened if the pool is empty), on the calling
    /// thread. A WAL reader never waits for the writer.
    pub fn read_now<R>(&self, f: impl FnOnce(&dyn Repo) -> Result<R, StoreError>) -> Result<R, StoreError> {
        let pooled = self.readers.lock().ok().and_then(|mut pool| pool.pop());
        let conn = match pooled {
            Some(c) => c,
            None => open(&self.path)?,
        };
        run(&conn, "BEGIN DEFERRED")?;
        let result = f(&SqlRepo::new(&SqliteConn(&conn)));
        let end = run(&conn, "COMMIT");
        if end.is_ok() {
            if let Ok(mut pool) = self.readers.lock() {
                if pool.len() < MAX_READERS {
                    pool.push(conn);
                }
            }
        }
        result
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        self.close();
    }
}

/// Brings the database to the latest schema, each migration in its own transaction.
fn migrate(conn: &mut Connection, families: Components) -> Result<(), StoreError> {
    for step in super::schema::pending(&SqliteConn(conn), families)? {
        let tx = conn.transaction()?;
        step.apply(&SqliteConn(&tx))?;
        tx.commit()?;
    }
    Ok(())
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
