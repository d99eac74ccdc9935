//! Bill downloads: answers `alipay.data.dataservice.bill.downloadurl.query` and serves its
//! `bill_download_url` at `GET /bills/{token}`.
//!
//! The zip is built when the URL is queried ([`crate::products::bill::engine`]), so the URL serves a fixed snapshot.
//! The URL is `http://<host>/bills/<token>`, where `<host>` is the address the query was sent to (the request
//! target's authority or its `Host` header: the sandbox's listen address for direct clients) and `<token>` is
//! 32 random letters and digits.
//!
//! Storage decision: downloads are kept **in memory**, not in the store. A URL is valid for
//! [`crate::Config::bill_url_ttl`] of **real** time (30 s by default; the sandbox clock does not shorten
//! it) and is **single use**: the first `GET` takes the file, a second one, an expired token, or an unknown
//! token answers `404`. Nothing is lost that matters across a restart: an unused URL is simply gone, as it
//! would be 30 s later anyway. The registry is process-wide and each entry is bound to the data directory
//! of the sandbox that issued it, so one sandbox never serves another's bills; expired entries are dropped
//! whenever a new one is added.

use std::collections::HashMap;
use std::path::{Path as FsPath, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use alipay_api::bill::{BillDownloadUrlQuery, BillType};
use alipay_core::ResultCode;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::engine::{self as bill, BillError, BillZip};
use crate::gateway::methods::Call;
use crate::gateway::Reply;
use crate::store::StoreError;
use crate::SandboxState;

/// One issued download.
struct Download {
    owner: PathBuf,
    file: BillZip,
    expires: Instant,
}

fn registry() -> &'static Mutex<HashMap<String, Download>> {
    static REGISTRY: OnceLock<Mutex<HashMap<String, Download>>> = OnceLock::new();
    REGISTRY.get_or_init(|| Mutex::new(HashMap::new()))
}

fn lock() -> std::sync::MutexGuard<'static, HashMap<String, Download>> {
    registry().lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Registers `file` for download by the sandbox on `owner` (its data directory) for `ttl`; returns the token.
pub fn issue(owner: &FsPath, file: BillZip, ttl: Duration) -> String {
    let now = Instant::now();
    let token = crate::ids::alnum(32);
    let mut map = lock();
    map.retain(|_, d| d.expires > now);
    map.insert(token.clone(), Download { owner: owner.to_owned(), file, expires: now + ttl });
    token
}

/// Takes the file of `token` if `owner` issued it and it has not expired: a token serves once.
pub fn take(owner: &FsPath, token: &str) -> Option<BillZip> {
    let mut map = lock();
    if map.get(token).is_none_or(|d| d.owner != owner) {
        return None;
    }
    let d = map.remove(token)?;
    (d.expires > Instant::now()).then_some(d.file)
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
    let token = issue(&state.data_dir, file, state.config.bill_url_ttl);
    Ok(Reply::success().with("bill_download_url", format!("{base_url}/bills/{token}")))
}

/// `GET /bills/{token}`: the zip once, then `404`.
pub async fn download(State(state): State<Arc<SandboxState>>, Path(token): Path<String>) -> Response {
    let Some(file) = take(&state.data_dir, &token) else {
        return (StatusCode::NOT_FOUND, "bill not found, already downloaded, or expired").into_response();
    };
    let mut resp = Response::new(Body::from(file.bytes));
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", file.file_name)) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}
