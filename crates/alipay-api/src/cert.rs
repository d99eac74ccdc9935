//! Certificate mode's one method of its own: `alipay.open.app.alipaycert.download`, Alipay's public-key
//! certificate of a given SN. The SDK calls it when an answer is signed by a certificate it does not know yet
//! (rotation); the gateway answers it from its certificate authority. Both use this model.
//!
//! Source: Alipay's Java SDK, `com.alipay.api.request.AlipayOpenAppAlipaycertDownloadRequest` and
//! `AlipayOpenAppAlipaycertDownloadModel` (`alipay_cert_sn`), `...response.AlipayOpenAppAlipaycertDownloadResponse`
//! (`alipay_cert_content`, Base64 of the PEM text).
//!
//! ```
//! use alipay_api::{cert::AlipayCertDownload, AlipayRequest};
//! let q = AlipayCertDownload { alipay_cert_sn: "7513daaaa48aa3ba2e4018d84402479c".into() };
//! q.validate().unwrap();
//! assert_eq!(AlipayCertDownload::METHOD, "alipay.open.app.alipaycert.download");
//! assert!(AlipayCertDownload::default().validate().is_err());
//! ```

use serde::{Deserialize, Serialize};

use crate::{validate, AlipayRequest, ValidationError};

/// The request: the SN of the Alipay certificate wanted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlipayCertDownload {
    /// The SN of the Alipay certificate wanted (decoded absent as empty, refused by [`AlipayRequest::validate`]).
    #[serde(default)]
    pub alipay_cert_sn: String,
}

/// The answer of [`AlipayCertDownload`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlipayCertDownloadResponse {
    /// Base64 of the certificate's PEM text: the certificate, then its issuer (Alipay ships leaf + intermediate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alipay_cert_content: Option<String>,
}

impl AlipayRequest for AlipayCertDownload {
    const METHOD: &'static str = "alipay.open.app.alipaycert.download";
    type Response = AlipayCertDownloadResponse;
    fn validate(&self) -> Result<(), ValidationError> {
        validate::required("alipay_cert_sn", &self.alipay_cert_sn, 64)
    }
}
