//! Store tables and queries of cash red packets (owned by `crate::products::coupon`).
//!
//! Add tables by appending to [`MIGRATIONS`] (never edit a shipped entry) and queries as methods of
//! [`CouponRepo`], implemented here for [`SqliteRepo`]. Every method runs inside the caller's transaction.

use super::sqlite::SqliteRepo;

/// This component's ordered migrations; versions are tracked per component (`component_versions`).
pub const MIGRATIONS: &[&str] = &[];

/// Red-packet persistence. A supertrait of [`super::Repo`], so engines reach it through `&dyn Repo`.
pub trait CouponRepo {}

impl CouponRepo for SqliteRepo<'_> {}
