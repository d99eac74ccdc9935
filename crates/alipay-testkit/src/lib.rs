//! Test harness shared by the workspace's tests (a dev-dependency only, never published).
//!
//! # PostgreSQL for the sandbox's `--store`
//!
//! [`postgres_store`] gives each caller a fresh, empty PostgreSQL schema of the database named by
//! `ALIPAY_TEST_POSTGRES`, as a store URL for `alipay sandbox --store URL` (or `alipay_sandbox::Config::store`):
//! the same URL with `options=-csearch_path%3D<schema>` added, so everything the sandbox creates lands in that
//! schema. Several sandboxes given the same URL share one state; two calls never share a schema.
//!
//! | variable | meaning |
//! |---|---|
//! | `ALIPAY_TEST_POSTGRES` | a database the tests may create schemas in, e.g. `postgres://alipay:alipay@127.0.0.1:5432/alipay` |
//! | `ALIPAY_REQUIRE_POSTGRES=1` | without `ALIPAY_TEST_POSTGRES`, [`postgres_store`] panics instead of answering `None` (CI sets it, so a test needing PostgreSQL can never pass by skipping) |
//!
//! ```no_run
//! let Some(store) = alipay_testkit::postgres_store() else {
//!     eprintln!("skipped: {}", alipay_testkit::POSTGRES_SKIP_REASON);
//!     return;
//! };
//! // e.g. postgres://alipay:alipay@127.0.0.1:5432/alipay?options=-csearch_path%3Dt_4242_1_9f3a0c1d
//! let child = std::process::Command::new("alipay")
//!     .args(["sandbox", "--data", "/tmp/a", "--listen", "127.0.0.1:0", "--store", &store])
//!     .spawn()
//!     .unwrap();
//! # drop(child);
//! ```
//!
//! Schema names are `t_<pid>_<counter>_<random>`. Schemas are not dropped when a test ends (sandboxes may
//! still be running on them); instead the first call of a process drops the `t_<pid>_…` schemas whose process
//! no longer exists on this machine, so a developer's database does not fill up run after run.
//!
//! [`postgres_store`] works from any context, `#[tokio::test]` included: the synchronous `postgres` client
//! runs on a thread of its own.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// The variable naming the test database.
pub const POSTGRES_ENV: &str = "ALIPAY_TEST_POSTGRES";

/// The variable that turns a missing [`POSTGRES_ENV`] into a failure.
pub const REQUIRE_POSTGRES_ENV: &str = "ALIPAY_REQUIRE_POSTGRES";

/// What a test prints when it skips because [`postgres_store`] answered `None`.
pub const POSTGRES_SKIP_REASON: &str =
    "ALIPAY_TEST_POSTGRES is not set (e.g. postgres://alipay:alipay@127.0.0.1:5432/alipay); .ci/run sets it up";

/// A fresh schema of the `ALIPAY_TEST_POSTGRES` database, as a store URL naming it in `options`
/// (`-csearch_path=<schema>`); other query parameters of the variable are kept, and an `options` it already
/// has is extended.
///
/// `None` when the variable is unset or empty.
///
/// # Panics
///
/// When the variable is unset but `ALIPAY_REQUIRE_POSTGRES=1`, and when the database cannot be reached or the
/// schema cannot be created (a test run that asked for PostgreSQL must not quietly test less).
#[allow(clippy::panic, reason = "a harness: a test that cannot get its database fails, loudly")]
pub fn postgres_store() -> Option<String> {
    let base = match std::env::var(POSTGRES_ENV) {
        Ok(v) if !v.trim().is_empty() => v.trim().to_owned(),
        _ => {
            if std::env::var(REQUIRE_POSTGRES_ENV).is_ok_and(|v| v.trim() == "1") {
                panic!(
                    "{REQUIRE_POSTGRES_ENV}=1 but {POSTGRES_ENV} is not set: this test needs a PostgreSQL database \
                     it may create schemas in, e.g. {POSTGRES_ENV}=postgres://alipay:alipay@127.0.0.1:5432/alipay \
                     (.ci/run starts one)"
                );
            }
            return None;
        }
    };
    let schema = schema_name();
    let url = with_search_path(&base, &schema);
    let (b, s, u) = (base.clone(), schema.clone(), url.clone());
    // The synchronous client blocks on a runtime of its own, which must not be inside the caller's.
    let done = std::thread::spawn(move || create_schema(&b, &s, &u)).join();
    match done {
        Ok(Ok(())) => Some(url),
        Ok(Err(e)) => panic!("{POSTGRES_ENV}={}: cannot prepare schema {schema}: {e}", redact(&base)),
        Err(_) => panic!("{POSTGRES_ENV}={}: preparing schema {schema} panicked", redact(&base)),
    }
}

/// `t_<pid>_<counter>_<random>`: unique in this process by the counter, across processes by the pid, and
/// across machines sharing one database (and pids reused) by the random part.
fn schema_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst) + 1;
    format!("t_{}_{n}_{:08x}", std::process::id(), rand::random::<u32>())
}

/// Characters kept as they are in the `options` value; everything else (space, `=`, `%`, `&` ...) is
/// percent-encoded, which the `postgres` crate's URL parser decodes.
const OPTION_VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.');

/// `url` with `-csearch_path=<schema>` in its `options` parameter (added, or appended to an existing one),
/// every other part kept as written.
pub fn with_search_path(url: &str, schema: &str) -> String {
    let (head, fragment) = match url.split_once('#') {
        Some((h, f)) => (h, Some(f)),
        None => (url, None),
    };
    let (path, query) = match head.split_once('?') {
        Some((p, q)) => (p, q),
        None => (head, ""),
    };
    let ours = format!("-csearch_path={schema}");
    let mut found = false;
    let mut params: Vec<String> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("options", value)) => {
                found = true;
                let old = percent_decode_str(value).decode_utf8_lossy();
                let joined = if old.trim().is_empty() { ours.clone() } else { format!("{old} {ours}") };
                params.push(format!("options={}", utf8_percent_encode(&joined, OPTION_VALUE)));
            }
            _ => params.push(pair.to_owned()),
        }
    }
    if !found {
        params.push(format!("options={}", utf8_percent_encode(&ours, OPTION_VALUE)));
    }
    let mut out = format!("{path}?{}", params.join("&"));
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Creates `schema` through `base`, then checks that a connection made with `url` (the same parser the
/// sandbox uses) lands in it.
fn create_schema(base: &str, schema: &str, url: &str) -> Result<(), String> {
    let mut admin = postgres::Client::connect(base, postgres::NoTls).map_err(|e| format!("connect: {e}"))?;
    static GC: Once = Once::new();
    GC.call_once(|| drop_schemas_of_dead_processes(&mut admin));
    admin.batch_execute(&format!("CREATE SCHEMA \"{schema}\"")).map_err(|e| format!("CREATE SCHEMA: {e}"))?;
    let mut check = postgres::Client::connect(url, postgres::NoTls).map_err(|e| format!("connect with {url}: {e}"))?;
    let row = check.query_one("SHOW search_path", &[]).map_err(|e| format!("SHOW search_path: {e}"))?;
    let path: String = row.try_get(0).map_err(|e| e.to_string())?;
    if path.trim_matches('"') != schema {
        return Err(format!("a connection with {url} has search_path {path:?}, not {schema:?}"));
    }
    Ok(())
}

/// Best effort: drops `t_<pid>_<n>_<hex>` schemas whose pid is not a running process here (a test run that
/// ended). Errors are ignored: another run may be dropping the same schema.
fn drop_schemas_of_dead_processes(admin: &mut postgres::Client) {
    let Ok(rows) = admin.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 't\\_%\\_%\\_%'", &[]) else {
        return;
    };
    for row in rows {
        let Ok(name) = row.try_get::<_, String>(0) else { continue };
        let mut parts = name.split('_');
        let (Some("t"), Some(pid), Some(n), Some(hex), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else { continue };
        let ours = n.parse::<u64>().is_ok() && hex.len() == 8 && hex.chars().all(|c| c.is_ascii_hexdigit());
        if ours && pid != std::process::id() && !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = admin.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"));
        }
    }
}

/// The store of a test target named `target` (pass `env!("CARGO_CRATE_NAME")`): a fresh schema
/// ([`postgres_store`]) when the name ends in `_pg`, `None` (the embedded SQLite store) otherwise.
///
/// A test file runs on both stores by being two `[[test]]` targets, `trade` and `trade_pg` (see
/// `crates/alipay-sandbox/Cargo.toml`): the same tests, parameterised by the target's name, not copied. A `_pg`
/// target without `ALIPAY_TEST_POSTGRES` runs on SQLite and says so (or fails, with `ALIPAY_REQUIRE_POSTGRES=1`).
///
/// ```no_run
/// let store: Option<String> = alipay_testkit::store_for(env!("CARGO_CRATE_NAME"));
/// ```
pub fn store_for(target: &str) -> Option<String> {
    if !target.ends_with("_pg") {
        return None;
    }
    let store = postgres_store();
    if store.is_none() {
        eprintln!("{target}: on SQLite, not PostgreSQL: {POSTGRES_SKIP_REASON}");
    }
    store
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn search_path_is_added_and_other_parameters_kept() {
        assert_eq!(
            with_search_path("postgres://u:p@h:5432/db", "t_1_1_00ff00ff"),
            "postgres://u:p@h:5432/db?options=-csearch_path%3Dt_1_1_00ff00ff"
        );
        assert_eq!(
            with_search_path("postgres://u:p@h/db?connect_timeout=5&application_name=x", "s"),
            "postgres://u:p@h/db?connect_timeout=5&application_name=x&options=-csearch_path%3Ds"
        );
        assert_eq!(
            with_search_path("postgres://h/db?options=-cstatement_timeout%3D5000&sslmode=disable", "s"),
            "postgres://h/db?options=-cstatement_timeout%3D5000%20-csearch_path%3Ds&sslmode=disable"
        );
    }

    #[test]
    fn names_are_unique_and_lowercase() {
        let (a, b) = (schema_name(), schema_name());
        assert_ne!(a, b);
        assert!(a.starts_with(&format!("t_{}_", std::process::id())), "{a}");
        assert!(a.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'), "{a}");
    }

    #[test]
    fn passwords_are_not_printed() {
        assert_eq!(
            redact("postgres://alipay:secret@127.0.0.1:5432/alipay"),
            "postgres://alipay:***@127.0.0.1:5432/alipay"
        );
        assert_eq!(redact("postgres://127.0.0.1/alipay"), "postgres://127.0.0.1/alipay");
    }

    /// Against the server of `ALIPAY_TEST_POSTGRES` (skipped without it, fails without it under
    /// `ALIPAY_REQUIRE_POSTGRES=1`): two fresh schemas, each the search_path of a connection made with its
    /// URL, a table in one not seen from the other; callable inside a tokio runtime too.
    #[test]
    fn fresh_schemas_on_the_test_server() {
        let Some(a) = postgres_store() else {
            eprintln!("skipped: {POSTGRES_SKIP_REASON}");
            return;
        };
        // Inside an async runtime, as from a #[tokio::test].
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let b = rt.block_on(async { postgres_store() }).unwrap();
        assert_ne!(a, b);
        let mut ca = postgres::Client::connect(&a, postgres::NoTls).unwrap();
        let mut cb = postgres::Client::connect(&b, postgres::NoTls).unwrap();
        let schema_a: String = ca.query_one("SELECT current_schema()", &[]).unwrap().get(0);
        assert!(a.ends_with(&format!("options=-csearch_path%3D{schema_a}")), "{a} vs {schema_a}");
        ca.batch_execute("CREATE TABLE probe (x int); INSERT INTO probe VALUES (7)").unwrap();
        let n: i32 = ca.query_one("SELECT x FROM probe", &[]).unwrap().get(0);
        assert_eq!(n, 7);
        assert!(cb.query("SELECT x FROM probe", &[]).is_err(), "schemas must not share tables");
    }
}
