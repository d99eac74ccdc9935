//! # alipay-sandbox-admin
//!
//! The local Alipay's simulation controls (`alipay sandbox`, JSON under `/admin/...` on the gateway's
//! listener), typed: one request and one answer struct per route, shared by the sandbox (which serves them)
//! and every client (the `alipay admin` command, the tests, the examples), and [`AdminClient`], an async client
//! with one method per route (feature `client`, on by default; without it the crate holds only the types).
//!
//! The routes, in five tables: [`accept`] (the call log and the acceptance checks), [`auth`] (authorization), [`common`] (apps, buyers, trades, clock, faults, notifications, reset),
//! [`ebpp`] (EBPP bills and direct deduct), [`coupon`] (cash red packets). Every type is also exported at the
//! crate root.
//!
//! **Access.** On a loopback listener the controls are open. On any other address (`0.0.0.0` included) every
//! `/admin/...` request needs `Authorization: Bearer <admin_token>`: the sandbox makes the token at first
//! start, keeps it in its store, prints it at start and writes it to `app.json` as `admin_token`
//! ([`AdminClient::from_app_json`] picks it up). A missing or wrong token answers 401 and changes nothing.
//!
//! ```no_run
//! # #[cfg(feature = "client")]
//! # async fn demo() -> Result<(), alipay_sandbox_admin::AdminError> {
//! use alipay_sandbox_admin::{AdminClient, FaultKind, FaultSpec, NewBuyer, TradeLocator};
//!
//! let admin = AdminClient::new("http://127.0.0.1:8080").with_token("only needed off loopback");
//! let buyer = admin.create_buyer(&NewBuyer::new("500.00", "2000.00")).await?;
//! assert_eq!(buyer.balance.to_string(), "500.00");
//! admin.inject_fault(&FaultSpec::new("alipay.trade.pay", FaultKind::UnknownError).execute()).await?;
//! match admin.confirm_trade(&TradeLocator::out_trade_no("T1")).await {
//!     Ok(trade) => println!("{}", trade.trade_status),
//!     Err(e) if e.is_not_found() => println!("no such trade"),
//!     Err(e) => return Err(e),
//! }
//! // anything else, as raw JSON
//! let clock = admin.call(alipay_sandbox_admin::Method::GET, "clock", None).await?;
//! println!("{clock}");
//! # Ok(()) }
//! ```

pub mod accept;
pub mod auth;
pub mod common;
pub mod coupon;
pub mod ebpp;

#[cfg(feature = "client")]
mod client;

pub use accept::*;
pub use auth::*;
#[cfg(feature = "client")]
pub use client::{AdminClient, AdminError, Method};
pub use common::*;
pub use coupon::*;
pub use ebpp::*;

/// The `app.json` field that carries the admin token.
pub const APP_JSON_TOKEN_FIELD: &str = "admin_token";
