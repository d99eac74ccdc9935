//! The tests of `fidelity.rs` again, on a fresh PostgreSQL schema: this target's name ends in `_pg`, which
//! `alipay_testkit::store_for` turns into the sandbox's store (SQLite without `ALIPAY_TEST_POSTGRES`).
#[path = "fidelity.rs"]
mod on_postgres;
