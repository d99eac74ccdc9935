//! A minimal gateway built on alipay-core, for testing the client over real HTTP before (and independently
//! of) the local Alipay: it checks request signatures with the app public key and answers signed envelopes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, dead_code, missing_docs)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use alipay_core::{envelope, form, verify_request, Charset, PrivateKey, SignType};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::IntoResponse;
use serde_json::{json, Value};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    Normal,
    Tamper,
    Http502,
}

pub struct Gateway {
    pub app_key: PrivateKey,
    pub alipay_key: PrivateKey,
    pub calls: AtomicUsize,
    pub mode: Mutex<Mode>,
    /// Every request's decoded params, for assertions.
    pub seen: Mutex<Vec<Vec<(String, String)>>>,
    /// What to answer, by method: a JSON object (code/msg/... and fields).
    pub answers: Mutex<Vec<(String, Value)>>,
}

pub struct Running {
    pub url: String,
    pub gw: Arc<Gateway>,
}

pub async fn start(sign_type: SignType) -> Running {
    let gw = Arc::new(Gateway {
        app_key: PrivateKey::generate().unwrap(),
        alipay_key: PrivateKey::generate().unwrap(),
        calls: AtomicUsize::new(0),
        mode: Mutex::new(Mode::Normal),
        seen: Mutex::new(Vec::new()),
        answers: Mutex::new(Vec::new()),
    });
    let app = axum::Router::new().route("/gateway.do", axum::routing::post(handle)).with_state((gw.clone(), sign_type));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Running { url: format!("http://{addr}/gateway.do"), gw }
}

async fn handle(
    State((gw, sign_type)): State<(Arc<Gateway>, SignType)>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> axum::response::Response {
    gw.calls.fetch_add(1, Ordering::SeqCst);
    let query = query.unwrap_or_default();
    let raw_cs = form::raw_value(query.as_bytes(), "charset")
        .or_else(|| form::raw_value(&body, "charset"))
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .unwrap_or_else(|| "utf-8".into());
    let charset: Charset = raw_cs.parse().unwrap();
    let mut params = form::decode(query.as_bytes(), charset).unwrap();
    params.extend(form::decode(&body, charset).unwrap());
    gw.seen.lock().unwrap().push(params.clone());
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let method = get("method");

    let pairs = params.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    let (key, obj) = if verify_request(pairs, gw.app_key.public_key(), sign_type, charset).is_err() {
        (
            envelope::response_key(&method),
            json!({"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-signature","sub_msg":"验签出错"}),
        )
    } else if let Some((_, answer)) = gw.answers.lock().unwrap().iter().find(|(m, _)| *m == method) {
        (envelope::response_key(&method), answer.clone())
    } else {
        (
            envelope::ERROR_RESPONSE.to_owned(),
            json!({"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-method","sub_msg":"不存在的方法名"}),
        )
    };
    let mut out = envelope::build_response(&key, &obj, &gw.alipay_key, sign_type, charset).unwrap();
    let mode = *gw.mode.lock().unwrap();
    if mode == Mode::Tamper {
        // Change one digit inside the signed object.
        let pos = out.iter().position(|&b| b.is_ascii_digit()).unwrap();
        out[pos] = if out[pos] == b'9' { b'8' } else { out[pos] + 1 };
    }
    let status = if mode == Mode::Http502 { 502 } else { 200 };
    (
        axum::http::StatusCode::from_u16(status).unwrap(),
        [(header::CONTENT_TYPE, format!("text/html;charset={}", charset.as_str()))],
        out,
    )
        .into_response()
}

impl Running {
    pub fn answer(&self, method: &str, obj: Value) {
        self.gw.answers.lock().unwrap().push((method.to_owned(), obj));
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.gw.mode.lock().unwrap() = mode;
    }

    pub fn calls(&self) -> usize {
        self.gw.calls.load(Ordering::SeqCst)
    }

    pub fn last_params(&self) -> Vec<(String, String)> {
        self.gw.seen.lock().unwrap().last().cloned().unwrap_or_default()
    }

    pub fn client_builder(&self) -> alipay_client::ClientBuilder {
        alipay_client::AlipayClient::builder(
            "2021000000000001",
            &self.gw.app_key.to_pkcs1_pem(),
            &self.gw.alipay_key.public_key().to_spki_base64(),
        )
        .gateway(&self.url)
    }
}
