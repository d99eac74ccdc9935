//! A scripted gateway for the protocol modes (cert mode, AES, v3), built on alipay-core only (like
//! `common/mod.rs`, which it leaves as it is): it checks every request's signature, cert SNs and encryption,
//! and answers signed (and, when asked, encrypted) answers in v2 and v3.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, dead_code, missing_docs)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alipay_core::aes::AesKey;
use alipay_core::ca::CertAuthority;
use alipay_core::cert::Certificate;
use alipay_core::envelope_modes::{self, ResponseModes};
use alipay_core::{envelope, form, v3, verify_request, Charset, PrivateKey, SignType};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use base64::Engine as _;
use serde_json::{json, Map, Value};

pub const APP_ID: &str = "2021000000000001";
pub const DOWNLOAD: &str = "alipay.open.app.alipaycert.download";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum V3Mode {
    Normal,
    TamperSignature,
    NoSignature,
}

/// An Alipay signer: key and (cert mode) the certificate whose SN answers carry.
#[derive(Clone)]
pub struct Signer {
    pub key: PrivateKey,
    pub cert: Certificate,
}

pub struct Gw {
    pub ca: CertAuthority,
    pub app_key: PrivateKey,
    pub app_cert: Certificate,
    /// Signs ordinary answers.
    pub signer: Mutex<Signer>,
    /// Signs certificate-download answers.
    pub download_signer: Mutex<Signer>,
    /// The configured Alipay certificate (what the client is built with).
    pub configured: Signer,
    pub aes: AesKey,
    /// Encrypt answers with this key instead of `aes` (a wrong key on one side).
    pub answer_aes: Mutex<Option<AesKey>>,
    /// Answer encrypted answers with this text instead of the ciphertext.
    pub answer_garbage: Mutex<Option<String>>,
    pub cert_mode: bool,
    /// Certificates the download method serves, by SN (PEM text).
    pub downloadable: Mutex<HashMap<String, String>>,
    /// Answer downloads with this failure object instead.
    pub download_failure: Mutex<Option<Value>>,
    pub downloads: Mutex<usize>,
    pub download_delay: Mutex<Duration>,
    pub answers: Mutex<Vec<(String, VecDeque<Value>)>>,
    /// Every request: method, decoded params (v2) or fields (v3, decrypted), headers of interest.
    pub seen: Mutex<Vec<Seen>>,
    pub v3_mode: Mutex<V3Mode>,
}

#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub params: Vec<(String, String)>,
    /// biz_content (v2, decrypted) or the JSON body / query fields (v3, decrypted).
    pub fields: Value,
    pub encrypted: bool,
    pub verified: bool,
    pub headers: Vec<(String, String)>,
    pub path_and_query: String,
}

pub struct Running {
    pub base: String,
    pub gw: Arc<Gw>,
}

pub async fn start(cert_mode: bool) -> Running {
    let ca = CertAuthority::generate().unwrap();
    let app_key = PrivateKey::generate().unwrap();
    let app_cert = ca.issue("2088000000000001-2021000000000001", app_key.public_key()).unwrap();
    let alipay_key = PrivateKey::generate().unwrap();
    let alipay_cert = ca.issue("支付宝(中国)网络技术有限公司-2088000000000001", alipay_key.public_key()).unwrap();
    let configured = Signer { key: alipay_key, cert: alipay_cert };
    let gw = Arc::new(Gw {
        ca,
        app_key,
        app_cert,
        signer: Mutex::new(configured.clone()),
        download_signer: Mutex::new(configured.clone()),
        configured,
        aes: AesKey::generate(),
        answer_aes: Mutex::new(None),
        answer_garbage: Mutex::new(None),
        cert_mode,
        downloadable: Mutex::new(HashMap::new()),
        download_failure: Mutex::new(None),
        downloads: Mutex::new(0),
        download_delay: Mutex::new(Duration::ZERO),
        answers: Mutex::new(Vec::new()),
        seen: Mutex::new(Vec::new()),
        v3_mode: Mutex::new(V3Mode::Normal),
    });
    let app =
        axum::Router::new().route("/gateway.do", axum::routing::post(v2)).fallback(v3_handler).with_state(gw.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Running { base: format!("http://{addr}"), gw }
}

fn next_answer(gw: &Gw, method: &str) -> Option<Value> {
    let mut answers = gw.answers.lock().unwrap();
    let queue = &mut answers.iter_mut().find(|(m, _)| m == method)?.1;
    if queue.len() > 1 {
        queue.pop_front()
    } else {
        queue.front().cloned()
    }
}

async fn v2(State(gw): State<Arc<Gw>>, RawQuery(query): RawQuery, body: Bytes) -> axum::response::Response {
    let query = query.unwrap_or_default();
    let charset: Charset = form::raw_value(query.as_bytes(), "charset")
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .unwrap_or_else(|| "utf-8".into())
        .parse()
        .unwrap();
    let mut params = form::decode(query.as_bytes(), charset).unwrap();
    params.extend(form::decode(&body, charset).unwrap());
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let method = get("method").unwrap_or_default();
    let pairs = params.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    let verified = verify_request(pairs, gw.app_key.public_key(), SignType::Rsa2, charset).is_ok();
    let encrypted = get("encrypt_type").as_deref() == Some("AES");
    let biz = get("biz_content").unwrap_or_default();
    let (fields, decrypt_failed) = if encrypted {
        match gw.aes.decrypt(&biz, charset) {
            Ok(plain) => (serde_json::from_str(&plain).unwrap_or(Value::Null), false),
            Err(_) => (Value::Null, true),
        }
    } else {
        (serde_json::from_str(&biz).unwrap_or(Value::Null), false)
    };
    gw.seen.lock().unwrap().push(Seen {
        method: method.clone(),
        params: params.clone(),
        fields: fields.clone(),
        encrypted,
        verified,
        headers: vec![],
        path_and_query: String::new(),
    });

    let cert_ok = !gw.cert_mode
        || (get("app_cert_sn").as_deref() == Some(gw.app_cert.sn())
            && get("alipay_root_cert_sn").as_deref() == Some(gw.ca.roots().sn()));
    let mut signer = gw.signer.lock().unwrap().clone();
    let mut encrypt_answer = encrypted;
    let obj = if !verified {
        json!({"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-signature","sub_msg":"验签出错"})
    } else if !cert_ok {
        json!({"code":"40002","msg":"Invalid Arguments","sub_code":"isv.app-cert-not-exist","sub_msg":"应用证书不存在"})
    } else if decrypt_failed {
        encrypt_answer = false;
        json!({"code":"40002","msg":"Invalid Arguments","sub_code":"isv.decryption-error-unknown","sub_msg":"解密出错，未知异常"})
    } else if method == DOWNLOAD {
        *gw.downloads.lock().unwrap() += 1;
        let delay = *gw.download_delay.lock().unwrap();
        tokio::time::sleep(delay).await;
        signer = gw.download_signer.lock().unwrap().clone();
        let sn = fields["alipay_cert_sn"].as_str().unwrap_or_default().to_owned();
        match (gw.download_failure.lock().unwrap().clone(), gw.downloadable.lock().unwrap().get(&sn)) {
            (Some(failure), _) => failure,
            (None, Some(pem)) => json!({"code":"10000","msg":"Success",
                "alipay_cert_content": base64::engine::general_purpose::STANDARD.encode(pem)}),
            (None, None) => {
                json!({"code":"40004","msg":"Business Failed","sub_code":"isv.cert-not-exist","sub_msg":"证书不存在"})
            }
        }
    } else {
        next_answer(&gw, &method)
            .unwrap_or_else(|| json!({"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-method"}))
    };
    let key = envelope::response_key(&method);
    let aes = gw.answer_aes.lock().unwrap().clone().unwrap_or_else(|| gw.aes.clone());
    let sn = signer.cert.sn().to_owned();
    let modes = ResponseModes {
        alipay_cert_sn: gw.cert_mode.then_some(sn.as_str()),
        aes: if encrypt_answer { Some(&aes) } else { None },
    };
    let out = match gw.answer_garbage.lock().unwrap().clone() {
        Some(cipher) if encrypt_answer => {
            let content = format!("\"{cipher}\"");
            let sign = signer.key.sign(SignType::Rsa2, content.as_bytes()).unwrap();
            format!("{{\"{key}\":{content},\"sign\":\"{sign}\"}}").into_bytes()
        }
        _ => envelope_modes::build_response_with(&key, &obj, &signer.key, SignType::Rsa2, charset, &modes).unwrap(),
    };
    (StatusCode::OK, [("content-type", format!("text/html;charset={}", charset.as_str()))], out).into_response()
}

async fn v3_handler(
    State(gw): State<Arc<Gw>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    let path_and_query = uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default();
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body_text = String::from_utf8(body.to_vec()).unwrap();
    let token = h("alipay-app-auth-token");
    let auth = v3::Authorization::parse(&h("authorization").unwrap_or_default());
    let verified = auth.as_ref().is_ok_and(|a| {
        a.verify(gw.app_key.public_key(), method.as_str(), &path_and_query, &body_text, token.as_deref()).is_ok()
    });
    let api = alipay_client::v3::V3_PATHS
        .iter()
        .find(|(_, m, p)| *m == method.as_str() && *p == uri.path())
        .map(|(name, _, _)| (*name).to_owned())
        .unwrap_or_default();
    let encrypted = h("alipay-encrypt-type").as_deref() == Some("AES");
    let fields: Value = if method == Method::GET {
        let q = uri.query().unwrap_or_default();
        let m: Map<String, Value> = url::form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect();
        Value::Object(m)
    } else if encrypted {
        gw.aes
            .decrypt(&body_text, Charset::Utf8)
            .ok()
            .and_then(|p| serde_json::from_str(&p).ok())
            .unwrap_or(Value::Null)
    } else {
        serde_json::from_str(&body_text).unwrap_or(Value::Null)
    };
    let keep = [
        "content-type",
        "alipay-root-cert-sn",
        "alipay-encrypt-type",
        "alipay-encryption-algm",
        "alipay-app-auth-token",
        "authorization",
        "alipay-request-id",
    ];
    gw.seen.lock().unwrap().push(Seen {
        method: api.clone(),
        params: vec![],
        fields: fields.clone(),
        encrypted,
        verified,
        headers: keep.iter().filter_map(|k| h(k).map(|v| ((*k).to_owned(), v))).collect(),
        path_and_query: path_and_query.clone(),
    });
    let cert_ok = !gw.cert_mode
        || (auth.as_ref().ok().and_then(|a| a.app_cert_sn.clone()).as_deref() == Some(gw.app_cert.sn())
            && h("alipay-root-cert-sn").as_deref() == Some(gw.ca.roots().sn()));
    let signer = gw.signer.lock().unwrap().clone();
    let (status, body): (u16, Vec<u8>) = if !verified {
        (401, json!({"code":"invalid-signature","message":"验签失败","links":[]}).to_string().into_bytes())
    } else if !cert_ok {
        (400, json!({"code":"app-cert-not-exist","message":"应用证书不存在"}).to_string().into_bytes())
    } else {
        let answer = next_answer(&gw, &api)
            .unwrap_or_else(|| json!({"code":"40004","sub_code":"NOT_FOUND","sub_msg":"no answer"}));
        if answer["code"] != "10000" {
            let body = json!({"code": answer["sub_code"], "message": answer["sub_msg"],
                              "links":[{"link":"https://open.alipay.com/api/errCheck","desc":"解决方案"}]});
            (400, body.to_string().into_bytes())
        } else {
            let mut m = answer.as_object().unwrap().clone();
            m.remove("code");
            m.remove("msg");
            let json = Value::Object(m).to_string();
            if encrypted {
                let aes = gw.answer_aes.lock().unwrap().clone().unwrap_or_else(|| gw.aes.clone());
                (200, aes.encrypt(&json, Charset::Utf8).unwrap().into_bytes())
            } else {
                (200, json.into_bytes())
            }
        }
    };
    let sn = signer.cert.sn().to_owned();
    let mut signed = v3::ResponseHeaders::sign(&signer.key, &body, gw.cert_mode.then_some(sn.as_str())).unwrap();
    let mode = *gw.v3_mode.lock().unwrap();
    if mode == V3Mode::TamperSignature {
        signed.signature = v3::sign_response(&signer.key, &signed.timestamp, &signed.nonce, b"{}").unwrap();
    }
    let mut resp = (StatusCode::from_u16(status).unwrap(), body).into_response();
    let hm = resp.headers_mut();
    hm.insert(
        "content-type",
        if encrypted && status == 200 { "text/plain" } else { "application/json" }.parse().unwrap(),
    );
    for (name, value) in signed.pairs() {
        if mode != V3Mode::NoSignature || name == v3::header::SN {
            hm.insert(name, value.parse().unwrap());
        }
    }
    resp
}

impl Running {
    pub fn gateway_url(&self) -> String {
        format!("{}/gateway.do", self.base)
    }

    /// From now on, answer `method` with `obj`.
    pub fn answer(&self, method: &str, obj: Value) {
        let mut answers = self.gw.answers.lock().unwrap();
        answers.retain(|(m, _)| m != method);
        answers.push((method.to_owned(), VecDeque::from([obj])));
    }

    /// A builder with the app key, and either the Alipay public key (plain) or the three certs (cert mode).
    pub fn builder(&self) -> alipay_client::ClientBuilder {
        let gw = &self.gw;
        let b = alipay_client::AlipayClient::builder(
            APP_ID,
            &gw.app_key.to_pkcs8_pem(),
            &if gw.cert_mode { String::new() } else { gw.configured.key.public_key().to_spki_base64() },
        )
        .gateway(&self.gateway_url());
        if gw.cert_mode {
            b.certs(&gw.app_cert.to_pem(), &gw.configured.cert.to_pem(), &gw.ca.root_bundle_pem())
        } else {
            b
        }
    }

    /// Rotates Alipay's signing certificate to a new key issued by `ca` (the gateway's CA unless given) and
    /// serves it for download. Returns the new SN.
    pub fn rotate(&self, ca: Option<&CertAuthority>) -> String {
        let key = PrivateKey::generate().unwrap();
        let cert =
            ca.unwrap_or(&self.gw.ca).issue("支付宝(中国)网络技术有限公司-2088000000000001", key.public_key()).unwrap();
        let sn = cert.sn().to_owned();
        self.gw.downloadable.lock().unwrap().insert(sn.clone(), cert.to_pem());
        *self.gw.signer.lock().unwrap() = Signer { key, cert };
        sn
    }

    pub fn downloads(&self) -> usize {
        *self.gw.downloads.lock().unwrap()
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.gw.seen.lock().unwrap().clone()
    }

    pub fn last(&self, method: &str) -> Seen {
        self.seen().into_iter().rev().find(|s| s.method == method).unwrap()
    }
}

impl Seen {
    pub fn param(&self, k: &str) -> Option<&str> {
        self.params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
    }
    pub fn header(&self, k: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
    }
}
