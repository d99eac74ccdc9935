//! [`Caller`]: who a verified gateway call comes from, and for which merchant it acts.

use alipay_core::SignType;

/// Who is calling, resolved by the wire layer from the common parameters.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The app that signed the request.
    pub app_id: String,
    /// The merchant whose trades are read and written: the app's own, or the one an `app_auth_token` names.
    pub seller_id: String,
    /// The merchant's app (the app itself unless acting with a token).
    pub auth_app_id: String,
    /// The request's charset name (notifications use it).
    pub charset: String,
    /// The app's sign type (notifications use it).
    pub sign_type: SignType,
    /// The request's `notify_url`, if any.
    pub notify_url: Option<String>,
}
