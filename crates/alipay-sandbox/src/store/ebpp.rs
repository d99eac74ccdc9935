//! Store tables and queries of EBPP bills and direct deduct (owned by `crate::products::ebpp`).
//!
//! Add tables by appending to [`MIGRATIONS`] (never edit a shipped entry) and queries as methods of
//! [`EbppRepo`], implemented here for [`SqliteRepo`]. Every method runs inside the caller's transaction.

use super::sqlite::SqliteRepo;

/// This component's ordered migrations; versions are tracked per component (`component_versions`).
pub const MIGRATIONS: &[&str] = &[];

/// EBPP and direct-deduct persistence. A supertrait of [`super::Repo`], so engines reach it through `&dyn Repo`.
pub trait EbppRepo {}

impl EbppRepo for SqliteRepo<'_> {}
