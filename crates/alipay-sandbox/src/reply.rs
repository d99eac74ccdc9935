//! [`Reply`]: what a method answers, before it is put in the signed envelope.

use alipay_api::sub_code::SubCode;
use alipay_core::{ApiStatus, ResultCode};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

/// A status plus business fields, serialised flat with the status first (`code`, `msg`, `sub_code`,
/// `sub_msg`, then the fields in insertion order).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// `code` / `msg` / `sub_code` / `sub_msg`.
    pub status: ApiStatus,
    /// Business fields.
    pub body: Map<String, Value>,
    /// A success is written without `code`/`msg` ([`Reply::bare_success`]).
    bare_success: bool,
}

impl Reply {
    /// `10000 Success` with no fields yet.
    pub fn success() -> Reply {
        Reply { status: ApiStatus::success(), body: Map::new(), bare_success: false }
    }

    /// A code with its standard message.
    pub fn of(code: ResultCode) -> Reply {
        Reply { status: ApiStatus::of(code), body: Map::new(), bare_success: false }
    }

    /// `40004 Business Failed` with a sub-code.
    pub fn business(sub_code: &str, sub_msg: &str) -> Reply {
        Reply { status: ApiStatus::business_failed(sub_code, sub_msg), body: Map::new(), bare_success: false }
    }

    /// `40004 Business Failed` with a documented sub-code and its message (`alipay_api`'s tables: the very
    /// codes the SDK reads).
    pub fn documented(code: &SubCode) -> Reply {
        Reply::business(code.code, code.msg)
    }

    /// `code` (`40002`, `20001` ...) with a documented sub-code and its message.
    pub fn documented_as(code: ResultCode, sub: &SubCode) -> Reply {
        Reply::error(code, sub.code, sub.msg)
    }

    /// Any code with a sub-code.
    pub fn error(code: ResultCode, sub_code: &str, sub_msg: &str) -> Reply {
        Reply { status: ApiStatus::with_sub(code, sub_code, sub_msg), body: Map::new(), bare_success: false }
    }

    /// A status plus a typed business body from `alipay-api`: the very type the SDK deserialises, so the two
    /// sides cannot drift apart. Field order is the type's.
    pub fn typed<T: Serialize>(status: ApiStatus, body: &T) -> Reply {
        match serde_json::to_value(body) {
            Ok(Value::Object(body)) => Reply { status, body, bare_success: false },
            other => {
                tracing::error!(?other, "a response body did not serialise to an object");
                Reply::error(ResultCode::UnknownError, "isp.unknow-error", "系统繁忙")
            }
        }
    }

    /// This answer, if it is a success, is written with its business fields only, no `code`/`msg`: how
    /// production answers `alipay.system.oauth.token` (`crate::products::auth`).
    pub fn bare_success(mut self) -> Reply {
        self.bare_success = true;
        self
    }
}

impl Serialize for Reply {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if !(self.bare_success && self.status.code.is_success()) {
            map.serialize_entry("code", self.status.code.as_str())?;
            map.serialize_entry("msg", &self.status.msg)?;
        }
        if let Some(s) = &self.status.sub_code {
            map.serialize_entry("sub_code", s)?;
        }
        if let Some(s) = &self.status.sub_msg {
            map.serialize_entry("sub_msg", s)?;
        }
        for (k, v) in &self.body {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}
