//! A minimal gateway built on alipay-core, for testing the client over real HTTP before (and independently
//! of) the local Alipay: it checks request signatures with the app public key and answers signed envelopes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, dead_code, missing_docs)]

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
    /// What to answer, by method: a queue of JSON objects; the last one repeats.
    pub answers: Mutex<Vec<(String, VecDeque<Value>)>>,
    /// Answer this method once only after this delay (after recording the call): a lost answer.
    pub slow_once: Mutex<Option<(String, Duration)>>,
    /// Files served at `/files/<name>` (bill zips).
    pub files: Mutex<Vec<(String, Vec<u8>)>>,
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
        slow_once: Mutex::new(None),
        files: Mutex::new(Vec::new()),
    });
    let app = axum::Router::new()
        .route("/gateway.do", axum::routing::post(handle))
        .route("/files/{name}", axum::routing::get(serve_file))
        .with_state((gw.clone(), sign_type));
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
    } else if let Some(answer) = next_answer(&gw, &method) {
        (envelope::response_key(&method), answer)
    } else {
        (
            envelope::ERROR_RESPONSE.to_owned(),
            json!({"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-method","sub_msg":"不存在的方法名"}),
        )
    };
    let slow = gw.slow_once.lock().unwrap().take_if(|(m, _)| *m == method);
    if let Some((_, delay)) = slow {
        tokio::time::sleep(delay).await;
    }
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

async fn serve_file(
    State((gw, _)): State<(Arc<Gateway>, SignType)>,
    axum::extract::Path(name): axum::extract::Path<String>,
) -> axum::response::Response {
    let files = gw.files.lock().unwrap();
    match files.iter().find(|(n, _)| *n == name) {
        Some((_, bytes)) => bytes.clone().into_response(),
        None => axum::http::StatusCode::NOT_FOUND.into_response(),
    }
}

fn next_answer(gw: &Gateway, method: &str) -> Option<Value> {
    let mut answers = gw.answers.lock().unwrap();
    let queue = &mut answers.iter_mut().find(|(m, _)| m == method)?.1;
    if queue.len() > 1 {
        queue.pop_front()
    } else {
        queue.front().cloned()
    }
}

impl Running {
    /// Queues an answer for `method`; the last queued answer repeats.
    pub fn answer(&self, method: &str, obj: Value) {
        let mut answers = self.gw.answers.lock().unwrap();
        match answers.iter_mut().find(|(m, _)| m == method) {
            Some((_, q)) => q.push_back(obj),
            None => answers.push((method.to_owned(), VecDeque::from([obj]))),
        }
    }

    /// Serves `bytes` at `<base>/files/<name>` and returns the URL.
    pub fn serve_file(&self, name: &str, bytes: Vec<u8>) -> String {
        self.gw.files.lock().unwrap().push((name.to_owned(), bytes));
        self.url.replace("/gateway.do", &format!("/files/{name}"))
    }

    /// The next call of `method` is answered only after `delay`.
    pub fn slow_once(&self, method: &str, delay: Duration) {
        *self.gw.slow_once.lock().unwrap() = Some((method.to_owned(), delay));
    }

    /// How many calls of `method` the gateway received.
    pub fn calls_of(&self, method: &str) -> usize {
        self.gw.seen.lock().unwrap().iter().filter(|p| p.iter().any(|(k, v)| k == "method" && v == method)).count()
    }

    /// The params of every call of `method`.
    pub fn params_of(&self, method: &str) -> Vec<Vec<(String, String)>> {
        self.gw
            .seen
            .lock()
            .unwrap()
            .iter()
            .filter(|p| p.iter().any(|(k, v)| k == "method" && v == method))
            .cloned()
            .collect()
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
