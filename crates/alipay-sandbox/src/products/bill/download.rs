//! Bill downloads: answers `alipay.data.dataservice.bill.downloadurl.query` and serves its
//! `bill_download_url` at `GET /bills/{token}`.
//!
//! The zip is built when the URL is queried ([`crate::products::bill::engine`]), so the URL serves a fixed snapshot.
//! The URL is `http://<host>/downloadBillFile.resource?bizType=…&userId=…&fileType=csv.zip&bizDates=…&
//! downloadFileName=<zip name>&fileId=…&timestamp=…&token=<token>`, shaped like Alipay's, where `<host>` is the
//! address the query was sent to (the request target's authority or its `Host` header: the sandbox's listen
//! address for direct clients) and `<token>` is 32 random letters and digits. (`/bills/<token>` serves the same
//! file: the console links to it.)
//!
//! A URL is valid for [`crate::Config::bill_url_ttl`] of **real** time (30 s by default; the sandbox clock does
//! not shorten it) and is **single use**: the first `GET` takes the file, a second one, an expired token, or an
//! unknown token answers `404`. The file is kept in the store ([`super::store`]) from the query to the download,
//! so on a shared store any instance serves a URL another made; expired files are dropped whenever a new one is
//! added.

use std::sync::Arc;
use std::time::Duration;

use alipay_api::bill::{BillDownloadUrlQuery, BillDownloadUrlQueryResponse, BillType};
use alipay_core::{ApiStatus, ResultCode};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::engine::{self as bill, BillError, BillZip};
use crate::products::bill::store::BillRepo;
use crate::products::Call;
use crate::reply::Reply;
use crate::store::{Store, StoreError};
use crate::SandboxState;

/// Stores `file` for download for `ttl` (real time); returns the token (32 random letters and digits).
pub(crate) async fn issue(store: &Store, file: BillZip, ttl: Duration) -> Result<String, StoreError> {
    let token = crate::ids::alnum(32);
    let now_ms = crate::clock::real_now_ms();
    let expires = now_ms.saturating_add(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX));
    let t = token.clone();
    store.write(move |r| r.insert_download(&t, &file.file_name, &file.bytes, expires, now_ms)).await?;
    Ok(token)
}

/// Answers the bill query of `call`; its `base_url` is `http://<host>` of the query.
pub(crate) async fn query(state: &SandboxState, call: Call<BillDownloadUrlQuery>) -> Result<Reply, StoreError> {
    let (caller, now, base_url) = (&call.caller, call.now, call.base_url.as_str());
    let (bill_type, period) = match bill::read(&call.request, now) {
        Ok(p) => p,
        Err(e) => return Ok(e.reply()),
    };
    let (seller, p) = (caller.seller_id.clone(), period.clone());
    let packed = match bill_type {
        BillType::Signcustomer => {
            let rows = state.store.read(move |repo| bill::collect_ledger(repo, &seller, &p)).await?;
            if rows.is_empty() {
                return Ok(BillError::NotExist.reply());
            }
            bill::build_ledger(&caller.seller_id, &period, now, &rows)
        }
        _ => {
            let rows = state.store.read(move |repo| bill::collect(repo, &seller, &p)).await?;
            if rows.is_empty() {
                return Ok(BillError::NotExist.reply());
            }
            bill::build(&caller.seller_id, &period, now, &rows)
        }
    };
    let file = match packed {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(error = %e, "cannot pack a bill");
            return Ok(Reply::error(ResultCode::UnknownError, "isp.unknow-error", "系统繁忙"));
        }
    };
    let file_name = file.file_name.clone();
    let ttl = super::probe::url_ttl(&state.store, &caller.app_id, state.config.bill_url_ttl).await?;
    let token = issue(&state.store, file, ttl).await?;
    let biz_type = match bill_type {
        BillType::Signcustomer => "signcustomer",
        _ => "trade",
    };
    let url = download_url(base_url, biz_type, &caller.seller_id, &period.label, &file_name, now, &token);
    let body = BillDownloadUrlQueryResponse { bill_download_url: Some(url), ..Default::default() };
    Ok(Reply::typed(ApiStatus::success(), &body))
}

/// The download URL in the shape of Alipay's (seed 001:272: `http://dwbillcenter.alipay.com/downloadBillFile
/// .resource?bizType=X&userId=X&fileType=X&bizDates=X&downloadFileName=X&fileId=X`; real URLs add `timestamp`
/// and `token`), on this sandbox's host: merchants that read `downloadFileName` out of it find the zip's name.
fn download_url(
    base_url: &str,
    biz_type: &str,
    user_id: &str,
    label: &str,
    file_name: &str,
    now: i64,
    token: &str,
) -> String {
    let label = label.replace('-', ""); // yyyyMMdd / yyyyMM, as in the file names
    let label = label.as_str();
    let file_id = format!("/{biz_type}/{user_id}/{label}.csv.zip");
    let now = now.to_string();
    let pairs = [
        ("bizType", biz_type),
        ("userId", user_id),
        ("fileType", "csv.zip"),
        ("bizDates", label),
        ("downloadFileName", file_name),
        ("fileId", file_id.as_str()),
        ("timestamp", now.as_str()),
        ("token", token),
    ];
    let query = alipay_core::form::encode(pairs, alipay_core::Charset::Utf8).unwrap_or_default();
    format!("{base_url}/downloadBillFile.resource?{query}")
}

/// The query of `GET /downloadBillFile.resource` (only `token` is read; the other parameters are descriptive).
#[derive(Debug, serde::Deserialize)]
pub struct DownloadQuery {
    /// The download's token.
    #[serde(default)]
    token: String,
}

/// `GET /downloadBillFile.resource?…&token=…`: the zip once, then `404` (the URL the query answers).
pub async fn download_resource(
    state: State<Arc<SandboxState>>,
    peer: crate::gateway::Peer,
    axum::extract::Query(q): axum::extract::Query<DownloadQuery>,
) -> Response {
    download(state, peer, Path(q.token)).await
}

/// `GET /bills/{token}`: the zip once, then `404` (the console's link; the gateway answers
/// `/downloadBillFile.resource` URLs, which end here too).
///
/// Every fetch is logged in the call log ([`crate::store::calls`], method [`alipay_sandbox_admin::BILL_FETCH`])
/// under the app the URL was given to, with its HTTP status, before the answer goes out (a reader of the log
/// who has the file sees its fetch): the acceptance checks judge how soon a merchant fetches its URL (valid
/// 30 s, seed 001:243).
pub async fn download(
    State(state): State<Arc<SandboxState>>,
    crate::gateway::Peer(peer): crate::gateway::Peer,
    Path(token): Path<String>,
) -> Response {
    let now_ms = crate::clock::real_now_ms();
    let t = token.clone();
    let taken = state.store.write(move |r| r.take_download(&t, now_ms)).await;
    let status = match &taken {
        Ok(Some(_)) => 200,
        Ok(None) => 404,
        Err(_) => 500,
    };
    log_fetch(&state, token, now_ms, status, peer).await;
    let (file_name, bytes) = match taken {
        Ok(Some(file)) => file,
        Ok(None) => return (StatusCode::NOT_FOUND, "bill not found, already downloaded, or expired").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot read a bill download");
            return (StatusCode::INTERNAL_SERVER_ERROR, "store failure").into_response();
        }
    };
    let mut resp = Response::new(Body::from(bytes));
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// Logs a bill fetch under the app whose bill query answered `token` (known once that query's entry is written:
/// the journal is flushed first). Bill fetches are rare: the flush is on their path, so the log never lags the
/// file.
async fn log_fetch(
    state: &Arc<SandboxState>,
    token: String,
    at_ms: i64,
    status: i64,
    peer: Option<std::net::SocketAddr>,
) {
    state.journal.flush(&state.store).await;
    let t = token.clone();
    let app_id = state.store.read(move |r| r.bill_token_app(&t)).await.ok().flatten().unwrap_or_default();
    let entry = alipay_sandbox_admin::LoggedCall {
        at_ms,
        app_id,
        method: alipay_sandbox_admin::BILL_FETCH.to_owned(),
        code: status.to_string(),
        bill_token: Some(token),
        http_status: Some(status),
        peer: peer.map(|p| p.to_string()),
        ..Default::default()
    };
    state.journal.push(&state.store, entry);
}
