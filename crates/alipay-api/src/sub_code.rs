//! Documented business failures (`40004` `sub_code`s) as the seeds and specs list them, so the SDK and the
//! gateway use the very same codes and messages.

use alipay_core::ApiStatus;

/// One documented business failure: its `sub_code`, its `sub_msg`, and the seed's advice, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubCode {
    /// The `sub_code`, e.g. `DEDUCT_SIGN_INFO_NOT_EXIST`.
    pub code: &'static str,
    /// The `sub_msg` as documented (Chinese), e.g. `协议不存在`.
    pub msg: &'static str,
    /// What the document tells the caller to do (解决方案), if it says.
    pub solution: Option<&'static str>,
}

impl SubCode {
    /// The `40004 Business Failed` status carrying this sub-code and message.
    ///
    /// ```
    /// use alipay_api::deduct::pay_errors::AGREEMENT_ID_IS_NULL;
    /// let s = AGREEMENT_ID_IS_NULL.status();
    /// assert_eq!(s.code.as_str(), "40004");
    /// assert_eq!(s.sub_code.as_deref(), Some("AGREEMENT_ID_IS_NULL"));
    /// assert_eq!(s.sub_msg.as_deref(), Some("协议ID为空"));
    /// ```
    pub fn status(&self) -> ApiStatus {
        ApiStatus::business_failed(self.code, self.msg)
    }

    /// Finds `code` in a list of documented failures.
    pub fn find<'a>(list: &'a [SubCode], code: &str) -> Option<&'a SubCode> {
        list.iter().find(|s| s.code == code)
    }
}
