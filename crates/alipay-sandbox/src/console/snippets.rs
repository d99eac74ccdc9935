//! Apps: create one, download its `app.json`, and configuration snippets for the official Java, Python and
//! Node SDKs, this project's SDK and its CLI.

use std::sync::Arc;

use alipay_core::{PrivateKey, PublicKey, SignType};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::IntoResponse;
use axum::{Form, Json};
use maud::{html, Markup};
use serde::Deserialize;

use super::pages::ListQuery;
use super::{back, layout, when, PageError, PageResult};
use crate::accounts::{self, NewApp};
use crate::defaults::{meta_keys, AppJson};
use crate::modes::ModesRepo;
use crate::SandboxState;

type St = State<Arc<SandboxState>>;

/// `http://<Host>` of the request (the address the operator reached the console on).
fn base(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1:8080");
    format!("http://{host}")
}

/// `GET /apps`.
pub(crate) async fn apps(State(state): St, Query(lq): Query<ListQuery>) -> PageResult {
    let (apps, default_app) = state.store.read(|r| Ok((r.apps(500)?, r.meta(meta_keys::DEFAULT_APP_ID)?))).await?;
    let content = html! {
        h1 { "Apps" }
        table {
            tr { th { "app_id" } th { "merchant (PID)" } th { "sign type" } th { "created" } th { "" } }
            @for a in &apps {
                tr {
                    td { a href=(format!("/apps/{}", a.app_id)) data-testid=(format!("app-{}", a.app_id)) { code { (a.app_id) } }
                         @if default_app.as_deref() == Some(a.app_id.as_str()) { " " span.muted { "(default: the sandbox holds its private key)" } } }
                    td { code { (a.merchant_pid) } } td { (a.sign_type.as_str()) } td { (when(a.created_at)) }
                    td { a href=(format!("/apps/{}", a.app_id)) { "configuration snippets" } }
                }
            }
        }
        h2 { "Create an app" }
        div.card {
            p { "Paste the app's " strong { "public" } " key (PEM, or the bare base64 of its SubjectPublicKeyInfo, as Alipay's key tool prints it). "
                "Generate a pair with " code { "alipay keygen" } " (or OpenSSL: " code { "openssl genrsa -out app.pem 2048 && openssl rsa -in app.pem -pubout" } "). "
                "The private key stays with the merchant: the sandbox never sees it." }
            form method="post" action="/apps" {
                textarea name="public_key" rows="7" placeholder="-----BEGIN PUBLIC KEY-----\n...\n-----END PUBLIC KEY-----" data-testid="new-app-key" {}
                br;
                "Sign type " select name="sign_type" data-testid="new-app-sign-type" { option value="RSA2" { "RSA2 (SHA256withRSA)" } option value="RSA" { "RSA (SHA1withRSA, legacy)" } }
                " app_id (optional) " input type="text" name="app_id" size="18" placeholder="16 digits" data-testid="new-app-id";
                " merchant PID (optional: a new merchant otherwise) " input type="text" name="merchant_pid" size="18" data-testid="new-app-merchant";
                " " button type="submit" data-testid="create-app" { "Create app" }
            }
        }
    };
    Ok(layout("Apps", "apps", lq.flash.as_deref(), content).into_response())
}

#[derive(Debug, Deserialize)]
pub(crate) struct NewAppForm {
    public_key: String,
    #[serde(default)]
    sign_type: Option<String>,
    #[serde(default)]
    app_id: Option<String>,
    #[serde(default)]
    merchant_pid: Option<String>,
}

fn blank_none(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// `POST /apps`: the same engine function as `POST /admin/apps`.
pub(crate) async fn create_app(State(state): St, Form(f): Form<NewAppForm>) -> PageResult {
    let sign_type = match f.sign_type.as_deref().unwrap_or("RSA2").parse::<SignType>() {
        Ok(s) => s,
        Err(e) => return Ok(back("/apps", &e.to_string())),
    };
    let new = NewApp {
        public_key: f.public_key.trim().to_owned(),
        sign_type,
        app_id: blank_none(f.app_id),
        merchant_pid: blank_none(f.merchant_pid),
    };
    let now = state.clock.now();
    match state.store.write(move |r| accounts::register_app(r, &new, now)).await {
        Ok((app, _)) => Ok(back(&format!("/apps/{}", app.app_id), &format!("App {} created.", app.app_id))),
        Err(e) => Ok(back("/apps", &format!("Not created: {e}"))),
    }
}

/// The default app's `app.json` (with its private key), or another app's (the private key left for the merchant
/// to fill in).
async fn app_json_of(state: &SandboxState, app_id: &str, base: &str) -> Result<(AppJson, bool), PageError> {
    let id = app_id.to_owned();
    let (app, default_app, buyer, modes) = state
        .store
        .read(move |r| {
            Ok((r.app(&id)?, r.meta(meta_keys::DEFAULT_APP_ID)?, r.meta(meta_keys::DEFAULT_BUYER)?, r.app_modes(&id)?))
        })
        .await?;
    let app_modes_open_id = modes.is_some_and(|m| m.open_id);
    let app = app.ok_or_else(|| PageError::not_found(format!("app {app_id} not found")))?;
    let alipay_public_key = state.alipay_key.public_key().to_spki_pem();
    if default_app.as_deref() == Some(app_id) {
        let mut json = crate::defaults::app_json(state, "127.0.0.1:0".parse().map_err(PageError::from)?).await?;
        json.gateway_url = format!("{base}/gateway.do");
        return Ok((json, true));
    }
    let public = PublicKey::from_text(&app.public_key).map(|k| k.to_spki_pem()).unwrap_or(app.public_key.clone());
    Ok((
        AppJson {
            gateway_url: format!("{base}/gateway.do"),
            app_id: app.app_id.clone(),
            app_private_key: "<the app's private key (PKCS#8 PEM): the merchant holds it>".into(),
            app_private_key_pkcs1: String::new(),
            app_public_key: public,
            alipay_public_key,
            sign_type: app.sign_type.as_str().to_owned(),
            charset: "utf-8".into(),
            merchant_pid: app.merchant_pid,
            buyer_user_id: buyer.unwrap_or_default(),
            open_id: app_modes_open_id,
            admin_token: None,
        },
        false,
    ))
}

/// `GET /apps/{app_id}/app.json`.
pub(crate) async fn app_json(State(state): St, Path(app_id): Path<String>, headers: HeaderMap) -> PageResult {
    let (json, _) = app_json_of(&state, &app_id, &base(&headers)).await?;
    Ok(([(header::CONTENT_DISPOSITION, format!("attachment; filename=\"app-{app_id}.json\""))], Json(json))
        .into_response())
}

/// The base64 body of a PEM (what the official SDKs take as a one-line key).
fn pem_body(pem: &str) -> String {
    pem.lines().filter(|l| !l.starts_with("-----")).map(str::trim).collect()
}

fn snippet(lang: &str, title: &str, notes: Markup, code: &str) -> Markup {
    html! {
        h3 { (title) }
        (notes)
        pre data-testid=(format!("snippet-{lang}")) { (code) }
    }
}

/// `GET /apps/{app_id}`.
pub(crate) async fn app(
    State(state): St,
    Path(app_id): Path<String>,
    headers: HeaderMap,
    Query(lq): Query<ListQuery>,
) -> PageResult {
    let base = base(&headers);
    let (json, is_default) = app_json_of(&state, &app_id, &base).await?;
    let gateway = json.gateway_url.clone();
    let alipay_b64 = pem_body(&json.alipay_public_key);
    let (pkcs8_b64, pkcs1_b64, pkcs1_pem) = if is_default {
        let key = PrivateKey::from_text(&json.app_private_key).map_err(PageError::from)?;
        (key.to_pkcs8_base64(), pem_body(&key.to_pkcs1_pem()), key.to_pkcs1_pem())
    } else {
        (
            "<app private key, PKCS#8 base64>".to_owned(),
            "<app private key, PKCS#1 base64 (RSA PRIVATE KEY)>".to_owned(),
            "<app private key, PKCS#1 PEM>".to_owned(),
        )
    };
    let sign_type = json.sign_type.clone();
    let id = json.app_id.clone();
    let java = format!(
        "import com.alipay.api.AlipayClient;\nimport com.alipay.api.AlipayConfig;\nimport com.alipay.api.DefaultAlipayClient;\n\n\
         AlipayConfig config = new AlipayConfig();\nconfig.setServerUrl(\"{gateway}\");\nconfig.setAppId(\"{id}\");\n\
         config.setPrivateKey(\"{pkcs8_b64}\");\nconfig.setFormat(\"json\");\nconfig.setAlipayPublicKey(\"{alipay_b64}\");\n\
         config.setCharset(\"UTF-8\");\nconfig.setSignType(\"{sign_type}\");\nAlipayClient alipayClient = new DefaultAlipayClient(config);\n"
    );
    let python = format!(
        "# TZ=Asia/Shanghai python app.py   (the SDK stamps the host's local time)\n\
         from alipay.aop.api.AlipayClientConfig import AlipayClientConfig\n\
         from alipay.aop.api.DefaultAlipayClient import DefaultAlipayClient\n\n\
         config = AlipayClientConfig()\nconfig.server_url = \"{gateway}\"\nconfig.app_id = \"{id}\"\n\
         config.app_private_key = \"{pkcs1_b64}\"  # PKCS#1 only\nconfig.alipay_public_key = \"{alipay_b64}\"\n\
         config.sign_type = \"{sign_type}\"\nconfig.charset = \"utf-8\"\nclient = DefaultAlipayClient(alipay_client_config=config)\n"
    );
    let node = format!(
        "// TZ=Asia/Shanghai node app.js   (the SDK stamps the host's local time)\n\
         const {{ AlipaySdk }} = require('alipay-sdk');\n\n\
         const alipaySdk = new AlipaySdk({{\n  appId: '{id}',\n  privateKey: '{pkcs1_b64}',\n  keyType: 'PKCS1',\n\
         \x20 alipayPublicKey: '{alipay_b64}',\n  gateway: '{gateway}',\n  signType: '{sign_type}',\n  charset: 'utf-8',\n}});\n\n\
         alipaySdk\n  .exec('alipay.trade.query', {{ bizContent: {{ out_trade_no: 'T1' }} }}, {{ validateSign: true }})\n\
         \x20 .then((result) => console.log(JSON.stringify(result)));\n"
    );
    let rust = format!(
        "use alipay_client::AlipayClient;\n\n\
         let client = AlipayClient::builder(\n    \"{id}\",\n    APP_PRIVATE_KEY_PEM, // PKCS#8 or PKCS#1 PEM\n    ALIPAY_PUBLIC_KEY_PEM,\n)\n\
         .gateway(\"{gateway}\")\n.build()?;\n// or: AlipayClient::from_config_file(\"app-{id}.json\")?\n"
    );
    let cli = format!(
        "# app-{id}.json: the \"app.json\" link above{}\n\
         alipay call alipay.trade.query --config app-{id}.json --biz-content '{{\"out_trade_no\":\"T1\"}}'\n",
        if is_default { "" } else { " (fill in app_private_key)" }
    );
    let content = html! {
        h1 { "App " code { (id) } }
        table {
            tr { th { "merchant (PID)" } td { code { (json.merchant_pid) } } }
            tr { th { "sign type" } td { (sign_type) } }
            tr { th { "gateway" } td { code { (gateway) } } }
        }
        p { a href=(format!("/apps/{id}/app.json")) data-testid="app-json" { "Download app.json" }
            @if !is_default { " (without a private key: the sandbox only knows the public half of this app's key)" } }
        h2 { "Configuration snippets" }
        (snippet("java", "Java (alipay-sdk-java: AlipayConfig / DefaultAlipayClient)", html! { p.muted { "The PKCS#8 private key and the Alipay public key as bare base64 on one line." } }, &java))
        (snippet("python", "Python (alipay-sdk-python: AlipayClientConfig)", html! { p.muted { "Needs the PKCS#1 private key and Beijing time on the host (TZ=Asia/Shanghai). The published SDK ignores a port in server_url: behind a non-default port it cannot reach the sandbox unpatched (see interop/README.md)." } }, &python))
        (snippet("node", "Node (alipay-sdk v4: new AlipaySdk)", html! { p.muted { "keyType 'PKCS1' for the key shown; use 'PKCS8' with the PKCS#8 key. Beijing time on the host." } }, &node))
        (snippet("rust", "This project's SDK (AlipayClient::builder)", html! {}, &rust))
        (snippet("cli", "This project's CLI", html! {}, &cli))
        h2 { "Common mistakes" }
        ul {
            li { strong { "The app public key pasted as the Alipay public key." } " The merchant then fails to verify every answer and notification (the SDK reports a signature error although the call succeeded: see the Inspector). Use the Alipay public key below; this project's SDK refuses the swap at build time." }
            li { strong { "A PKCS#8 key given to Alipay's Python SDK." } " It reads only PKCS#1 (" code { "RSA PRIVATE KEY" } ") and fails before sending anything: use the PKCS#1 form (the Node SDK takes either with " code { "keyType" } ")." }
            li { strong { "Host clock not in Beijing time." } " The Python and Node SDKs stamp local time; the gateway refuses a timestamp more than 30 minutes off (isv.invalid-timestamp; the Inspector says by how many hours). Run them with " code { "TZ=Asia/Shanghai" } "." }
        }
        h2 { "Keys" }
        table {
            tr { th { "Alipay public key (configure this one as the Alipay key)" } td { pre { (json.alipay_public_key) } } }
            tr { th { "app public key (registered here; never the Alipay key)" } td { pre { (json.app_public_key) } } }
            @if is_default {
                tr { th { "app private key, PKCS#8" } td { pre data-testid="private-key" { (json.app_private_key) } } }
                tr { th { "app private key, PKCS#1" } td { pre { (pkcs1_pem) } } }
            }
        }
    };
    Ok(layout(&format!("App {id}"), "apps", lq.flash.as_deref(), content).into_response())
}
