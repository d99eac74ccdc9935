//! The tests of `cashier.rs` again, on a fresh PostgreSQL schema: this target's name ends in `_pg`, which
//! `alipay_testkit::store_for` turns into the sandbox's store (SQLite without `ALIPAY_TEST_POSTGRES`).
#[path = "cashier.rs"]
mod on_postgres;
