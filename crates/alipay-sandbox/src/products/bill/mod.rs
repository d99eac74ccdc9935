//! Reconciliation bills (对账单, seed 001; trade.md "Bill files"):
//! `alipay.data.dataservice.bill.downloadurl.query` and the download it answers.
//!
//! | module | holds |
//! |---|---|
//! | [`engine`] | the bill period rules, the rows of a trade bill (业务明细) and a ledger bill (账务明细), the GBK zip |
//! | [`download`] | the single-use download URL and `GET /bills/{token}` |
//! | [`store`] | the issued files, in the store (any instance on a shared store serves them) |
//! | `probe` | the acceptance provocation B3: a dead URL armed for an app's next query |
//! | `zip_names` | GBK entry names in the zip, as Alipay writes them |

pub(crate) mod download;
pub(crate) mod engine;
pub(crate) mod probe;
pub(crate) mod store;
#[cfg(test)]
mod tests;
mod zip_names;

use std::future::Future;

use alipay_api::bill::BillDownloadUrlQuery;

use crate::products::{Access, Call, Family, Handler, Refusal};
use crate::reply::Reply;
use crate::store::StoreError;
use crate::SandboxState;

/// Reconciliation bills: a refused request is `isv.invalid-parameter`-style `BillError::InvalidParameter`.
pub(crate) struct Bill;

impl Family for Bill {
    fn refuse(refusal: Refusal) -> Reply {
        engine::BillError::InvalidParameter(refusal.to_string()).reply()
    }
}

impl Handler for BillDownloadUrlQuery {
    type Family = Bill;
    const ACCESS: Access = Access::Read;
    fn run(state: &SandboxState, call: Call<Self>) -> impl Future<Output = Result<Reply, StoreError>> + Send {
        download::query(state, call)
    }
}
