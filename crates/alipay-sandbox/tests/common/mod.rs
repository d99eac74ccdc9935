//! Test helper: a sandbox on 127.0.0.1:0 in a temp dir, driven with real signed requests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use alipay_core::{envelope, form, sign_request, Charset, PrivateKey, PublicKey, SignType, Timestamp};
use alipay_sandbox::{AppJson, Config, RunningSandbox, Sandbox};
use alipay_sandbox_admin::{AdminClient, AdminError, Method, NewApp, NewBuyer, NewPaymentCode};
use serde_json::{json, Value};

/// An app the test signs as.
#[derive(Clone)]
pub struct TestApp {
    pub app_id: String,
    pub key: PrivateKey,
    pub sign_type: SignType,
}

pub struct Harness {
    pub dir: tempfile::TempDir,
    pub running: Option<RunningSandbox>,
    pub info: AppJson,
    pub app: TestApp,
    pub alipay_key: PublicKey,
    pub http: reqwest::Client,
    /// The simulation controls (typed calls, or raw JSON through `admin_post` / `admin_get`).
    pub admin: AdminClient,
    pub config: Config,
}

/// The configuration of every test sandbox: fast notification retries, and the store of this test target
/// (SQLite, or a fresh PostgreSQL schema for the `*_pg` targets: `alipay_testkit::store_for`).
pub fn test_config() -> Config {
    Config { notify_time_scale: 0.001, store: alipay_testkit::store_for(env!("CARGO_CRATE_NAME")), ..Config::default() }
}

impl Harness {
    pub async fn start() -> Harness {
        Harness::start_with(test_config()).await
    }

    pub async fn start_with(config: Config) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let sandbox = Sandbox::open(dir.path(), config.clone()).await.unwrap();
        let running = sandbox.start("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let info: AppJson = serde_json::from_slice(&std::fs::read(dir.path().join("app.json")).unwrap()).unwrap();
        assert_eq!(info.gateway_url, running.gateway_url());
        let app = TestApp {
            app_id: info.app_id.clone(),
            key: PrivateKey::from_text(&info.app_private_key).unwrap(),
            sign_type: SignType::Rsa2,
        };
        let alipay_key = PublicKey::from_text(&info.alipay_public_key).unwrap();
        let admin = AdminClient::from_app_json(dir.path().join("app.json")).unwrap();
        Harness { dir, running: Some(running), info, app, alipay_key, http: reqwest::Client::new(), admin, config }
    }

    /// Stops the server and opens the same data dir again (new port).
    pub async fn restart(&mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
        let sandbox = Sandbox::open(self.dir.path(), self.config.clone()).await.unwrap();
        let running = sandbox.start("127.0.0.1:0".parse().unwrap()).await.unwrap();
        self.info = serde_json::from_slice(&std::fs::read(self.dir.path().join("app.json")).unwrap()).unwrap();
        self.admin = AdminClient::from_app_json(self.dir.path().join("app.json")).unwrap();
        self.running = Some(running);
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.running.as_ref().unwrap().addr())
    }

    pub fn gateway(&self) -> String {
        format!("{}/gateway.do", self.base())
    }

    /// The common params of a request, unsigned.
    pub fn common(&self, app: &TestApp, method: &str, charset: Charset) -> Vec<(String, String)> {
        vec![
            ("app_id".into(), app.app_id.clone()),
            ("method".into(), method.into()),
            ("format".into(), "JSON".into()),
            ("charset".into(), charset.as_str().into()),
            ("sign_type".into(), app.sign_type.as_str().into()),
            ("timestamp".into(), Timestamp::now().to_string()),
            ("version".into(), "1.0".into()),
        ]
    }

    /// Adds `sign` computed over `params` with `key`.
    pub fn sign(params: &mut Vec<(String, String)>, key: &PrivateKey, sign_type: SignType, charset: Charset) {
        let sign = sign_request(params.iter().map(|(k, v)| (k.as_str(), v.as_str())), key, sign_type, charset).unwrap();
        params.push(("sign".into(), sign));
    }

    /// POSTs `params` as a form body; returns status, content-type, raw body.
    pub async fn post_form(&self, params: &[(String, String)], charset: Charset) -> (u16, String, Vec<u8>) {
        let body = form::encode(params.iter().map(|(k, v)| (k.as_str(), v.as_str())), charset).unwrap();
        self.post_raw("", body.into_bytes(), charset).await
    }

    pub async fn post_raw(&self, query: &str, body: Vec<u8>, charset: Charset) -> (u16, String, Vec<u8>) {
        let url = if query.is_empty() { self.gateway() } else { format!("{}?{query}", self.gateway()) };
        let resp = self
            .http
            .post(url)
            .header("content-type", format!("application/x-www-form-urlencoded;charset={}", charset.as_str()))
            .body(body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let ct = resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        (status, ct, resp.bytes().await.unwrap().to_vec())
    }

    /// Verifies a signed answer and returns (envelope key, parsed object).
    pub fn verify(&self, body: &[u8], method: &str, charset: Charset, sign_type: SignType) -> (String, Value) {
        let v = envelope::verify_response(body, method, charset, &self.alipay_key, sign_type)
            .unwrap_or_else(|e| panic!("answer does not verify: {e}: {}", String::from_utf8_lossy(body)));
        (v.key().to_owned(), serde_json::from_str(v.json()).unwrap())
    }

    /// Signs and sends `method` with `biz` as `app` (+ extra params), returns the verified object.
    pub async fn call_as(&self, app: &TestApp, method: &str, biz: Value, extra: &[(&str, &str)]) -> Value {
        let mut params = self.common(app, method, Charset::Utf8);
        for (k, v) in extra {
            params.push(((*k).into(), (*v).into()));
        }
        params.push(("biz_content".into(), biz.to_string()));
        Harness::sign(&mut params, &app.key, app.sign_type, Charset::Utf8);
        let (status, _, body) = self.post_form(&params, Charset::Utf8).await;
        assert_eq!(status, 200);
        let (key, obj) = self.verify(&body, method, Charset::Utf8, app.sign_type);
        assert_eq!(key, envelope::response_key(method), "{obj}");
        obj
    }

    pub async fn call(&self, method: &str, biz: Value) -> Value {
        self.call_as(&self.app, method, biz, &[]).await
    }

    /// POSTs a control as raw JSON: (status, answer or `{"error": ...}`).
    pub async fn admin_post(&self, path: &str, body: Value) -> (u16, Value) {
        match self.admin.call(Method::POST, path, Some(body)).await {
            Ok(v) => (200, v),
            Err(AdminError::Http { status, message }) => (status, json!({ "error": message })),
            Err(e) => panic!("POST {path}: {e}"),
        }
    }

    /// GETs a control as raw JSON; it must succeed.
    pub async fn admin_get(&self, path: &str) -> Value {
        self.admin.call(Method::GET, path, None).await.unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// A new buyer with `balance` and `limit`; returns its user id.
    pub async fn buyer(&self, balance: &str, limit: &str) -> String {
        self.admin.create_buyer(&NewBuyer::new(balance, limit)).await.unwrap().user_id
    }

    pub async fn code(&self, user_id: &str) -> String {
        self.admin.issue_payment_code(user_id, &NewPaymentCode::default()).await.unwrap().auth_code
    }

    pub async fn balance(&self, user_id: &str) -> String {
        self.admin.buyer(user_id).await.unwrap().balance.to_string()
    }

    pub async fn merchant_balance(&self) -> String {
        self.admin.merchant(&self.info.merchant_pid).await.unwrap().balance.to_string()
    }

    /// Registers a new app with a fresh key (and its own merchant).
    pub async fn new_app(&self) -> TestApp {
        let key = PrivateKey::generate().unwrap();
        let new =
            NewApp { public_key: key.public_key().to_spki_pem(), sign_type: Some("RSA2".into()), ..Default::default() };
        let r = self.admin.register_app(&new).await.unwrap();
        TestApp { app_id: r.app_id, key, sign_type: SignType::Rsa2 }
    }

    /// Pays `amount` with a fresh code of `buyer`.
    pub async fn pay(&self, out_trade_no: &str, amount: &str, buyer: &str) -> Value {
        let code = self.code(buyer).await;
        self.call(
            "alipay.trade.pay",
            json!({"out_trade_no": out_trade_no, "scene": "bar_code", "auth_code": code, "subject": "Iphone6 16G",
                   "total_amount": amount}),
        )
        .await
    }
}

pub fn code_of(v: &Value) -> &str {
    v["code"].as_str().unwrap_or("")
}

pub fn sub_code_of(v: &Value) -> &str {
    v["sub_code"].as_str().unwrap_or("")
}
