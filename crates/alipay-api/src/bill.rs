//! Reconciliation bills (对账, seed 001): `alipay.data.dataservice.bill.downloadurl.query`.
//!
//! The answer's URL serves a zip of GBK CSV files and is valid for 30 seconds (trade.md, "Bill files").

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::validate::{self, ValidationError};
use crate::AlipayRequest;

string_enum! {
    /// `bill_type`: which bill to download.
    #[derive(Default)]
    pub enum BillType {
        /// Business details of the app's trades (业务明细), the default.
        #[default]
        Trade = "trade",
        /// The account's ledger (账务明细).
        Signcustomer = "signcustomer",
    }
}

/// `alipay.data.dataservice.bill.downloadurl.query`: the download URL of a day's or a month's bill.
///
/// ```
/// use alipay_api::{bill::{BillDownloadUrlQuery, BillType}, AlipayRequest};
/// let q = BillDownloadUrlQuery { bill_type: BillType::Trade, bill_date: "2016-04-05".into() };
/// q.validate().unwrap();
/// assert!(BillDownloadUrlQuery { bill_date: "2016-4-5".into(), ..q }.validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BillDownloadUrlQuery {
    /// `trade` or `signcustomer`.
    pub bill_type: BillType,
    /// `yyyy-MM-dd` (a day) or `yyyy-MM` (a month); at the latest yesterday, which the gateway checks.
    pub bill_date: String,
}

impl AlipayRequest for BillDownloadUrlQuery {
    const METHOD: &'static str = "alipay.data.dataservice.bill.downloadurl.query";
    type Response = BillDownloadUrlQueryResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        if let BillType::Unknown(other) = &self.bill_type {
            return Err(ValidationError::Invalid {
                field: "bill_type",
                reason: format!("{other:?}: only trade or signcustomer"),
            });
        }
        validate::required("bill_date", &self.bill_date, 10)?;
        if bill_date_shape(&self.bill_date) {
            Ok(())
        } else {
            Err(ValidationError::Invalid {
                field: "bill_date",
                reason: format!("{:?} is not a date in the form yyyy-MM-dd or yyyy-MM", self.bill_date),
            })
        }
    }
}

/// `yyyy-MM-dd` or `yyyy-MM`, a real calendar date.
fn bill_date_shape(date: &str) -> bool {
    let mut parts = date.split('-');
    let (Some(y), Some(m)) = (parts.next(), parts.next()) else { return false };
    let d = parts.next();
    if parts.next().is_some() || !validate::is_digits(y, 4) || !validate::is_digits(m, 2) {
        return false;
    }
    if d.is_some_and(|d| !validate::is_digits(d, 2)) {
        return false;
    }
    match (y.parse(), m.parse(), d.map(str::parse).transpose()) {
        (Ok(y), Ok(m), Ok(d)) => validate::is_calendar_date(y, m, d),
        _ => false,
    }
}

/// Business fields of the `alipay.data.dataservice.bill.downloadurl.query` answer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BillDownloadUrlQueryResponse {
    /// Where to download the bill (`.csv.zip`); valid for 30 seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_download_url: Option<String>,
    /// Fields this version does not model, preserved as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{decode_request, encode_request, ApiResponse};

    #[test]
    fn round_trips_the_seed_request() {
        let biz = r#"{"bill_type":"trade","bill_date":"2016-04-05"}"#;
        let q: BillDownloadUrlQuery = decode_request(&[("biz_content".into(), biz.into())]).unwrap();
        assert_eq!(q, BillDownloadUrlQuery { bill_type: BillType::Trade, bill_date: "2016-04-05".into() });
        q.validate().unwrap();
        assert_eq!(encode_request(&q).unwrap()[0].1, biz);
        let signcustomer = r#"{"bill_type":"signcustomer","bill_date":"2016-04"}"#;
        let q: BillDownloadUrlQuery = decode_request(&[("biz_content".into(), signcustomer.into())]).unwrap();
        assert_eq!(q.bill_type, BillType::Signcustomer);
        q.validate().unwrap();
    }

    #[test]
    fn rules() {
        let q = |t: BillType, d: &str| BillDownloadUrlQuery { bill_type: t, bill_date: d.into() }.validate();
        assert_eq!(q(BillType::Trade, ""), Err(ValidationError::Missing { field: "bill_date" }));
        assert!(matches!(
            q(BillType::Unknown("fund".into()), "2016-04-05"),
            Err(ValidationError::Invalid { field: "bill_type", .. })
        ));
        for bad in
            ["2016-4-5", "20160405", "2016-13", "2016-02-30", "2016/04/05", "2016-04-05-01", "２016-04", "2016-04-"]
        {
            assert!(
                matches!(
                    q(BillType::Trade, bad),
                    Err(ValidationError::Invalid { field: "bill_date", .. }) | Err(ValidationError::TooLong { .. })
                ),
                "{bad}"
            );
        }
        for good in ["2016-02-29", "2016-12", "1999-01-31"] {
            assert_eq!(q(BillType::Trade, good), Ok(()), "{good}");
        }
    }

    #[test]
    fn response_reads_the_url() {
        let json = r#"{"code":"10000","msg":"Success","bill_download_url":"http:\/\/dwbillcenter.alipay.com\/downloadBillFile.resource?bizType=X&userId=X&fileType=X&bizDates=X&downloadFileName=X&fileId=X"}"#;
        let r: ApiResponse<BillDownloadUrlQueryResponse> = serde_json::from_str(json).unwrap();
        assert_eq!(
            r.body.bill_download_url.as_deref(),
            Some("http://dwbillcenter.alipay.com/downloadBillFile.resource?bizType=X&userId=X&fileType=X&bizDates=X&downloadFileName=X&fileId=X")
        );
        let missing =
            r#"{"code":"40004","msg":"Business Failed","sub_code":"isp.bill_not_exist","sub_msg":"账单不存在"}"#;
        let r: ApiResponse<BillDownloadUrlQueryResponse> = serde_json::from_str(missing).unwrap();
        assert_eq!(r.body.bill_download_url, None);
    }
}
