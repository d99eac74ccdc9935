//! Certificate mode's method, `alipay.open.app.alipaycert.download`: a known Alipay certificate by SN, from the
//! certificate authority of [`crate::modes`] (leaf + intermediate, as Alipay ships them).

use alipay_api::cert::{AlipayCertDownload, AlipayCertDownloadResponse};
use alipay_core::{ApiStatus, ResultCode};
use base64::Engine as _;

use super::{Access, Call, Family, Handler, Refusal};
use crate::reply::Reply;
use crate::store::StoreError;
use crate::SandboxState;

/// Certificate mode's own method: a refused request is `40001 isv.missing-alipay-cert-sn`.
pub(crate) struct CertMode;

impl Family for CertMode {
    fn refuse(refusal: Refusal) -> Reply {
        Reply::error(
            ResultCode::MissingArgument,
            "isv.missing-alipay-cert-sn",
            &format!("缺少支付宝公钥证书序列号: {refusal}"),
        )
    }
}

impl Handler for AlipayCertDownload {
    type Family = CertMode;
    const ACCESS: Access = Access::Read;

    async fn run(state: &SandboxState, call: Call<Self>) -> Result<Reply, StoreError> {
        Ok(match state.authority.by_sn(&call.request.alipay_cert_sn) {
            Some(c) => Reply::typed(
                ApiStatus::success(),
                &AlipayCertDownloadResponse {
                    alipay_cert_content: Some(
                        base64::engine::general_purpose::STANDARD.encode(state.authority.chain_pem(&c.cert)),
                    ),
                },
            ),
            None => Reply::business("isv.cert-not-exist", "证书不存在"),
        })
    }
}
