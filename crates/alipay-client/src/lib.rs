//! # alipay-client
//!
//! The async Rust SDK for the Alipay Open Platform. One [`AlipayClient`], built once and shared, makes typed
//! calls for every method in `alipay-api`, signs every request, and verifies every answer over its raw bytes
//! before returning anything; an answer that fails verification is an [`Error::Verify`], never data.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use alipay_client::{AlipayClient, ResponseExt};
//! use alipay_api::trade::TradeQuery;
//!
//! let client = AlipayClient::builder("2021000000000001", "<app private key>", "<Alipay public key>")
//!     .gateway("http://127.0.0.1:8080/gateway.do")
//!     .build()?;
//! let trade = client.execute(&TradeQuery { out_trade_no: Some("20150320010101001".into()), ..Default::default() })
//!     .await?
//!     .ok()?;
//! println!("{:?}", trade.trade_status);
//! # Ok(()) }
//! ```

pub mod auth;
mod builder;
mod client;
mod config;
mod error;
pub mod flows;
pub mod modes;
mod notify;
mod page;
pub mod v3;

pub use builder::{ClientBuilder, PRODUCTION_GATEWAY, SANDBOX_GATEWAY};
pub use client::{AlipayClient, CallOptions, ResponseExt};
pub use config::ClientConfig;
pub use error::{ConfigError, Error};
pub use modes::Protocol;
pub use notify::{NotifyError, ReturnParams, VerifiedNotification, VerifiedReturn};

pub use alipay_api as api;
pub use alipay_core as core;
