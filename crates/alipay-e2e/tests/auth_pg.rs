//! The tests of `auth.rs` again, on a fresh PostgreSQL schema: this target's name ends in `_pg`, which
//! `alipay_testkit::store_for` turns into the sandbox's store (SQLite without `ALIPAY_TEST_POSTGRES`).
#[path = "auth.rs"]
mod on_postgres;
