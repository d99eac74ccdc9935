//! Where the ids come from (issue 16, point 2): user consent → `auth_code` → `alipay.system.oauth.token` →
//! `user_id` / `open_id`, and app-to-app authorization → `app_auth_code` → `alipay.open.auth.token.app` →
//! `app_auth_token`, which then acts for the merchant on the payment methods. Driven as a merchant does it: the
//! consent pages over HTTP (the form and its `302`), the SDK's signed calls, the sandbox clock for lifetimes.
//!
//! Evidence, per test below; the models' sources are in `alipay_api::auth`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, missing_docs)]

mod common;

use alipay_api::auth::AppAuthStatus;
use alipay_api::trade::{TradePrecreate, TradeQuery, TradeRefund};
use alipay_client::auth::{app_to_app_authorize_url, user_authorize_url};
use alipay_client::{AlipayClient, CallOptions, ClientConfig};
use alipay_core::ResultCode;
use alipay_sandbox::RunningSandbox;
use alipay_sandbox_admin::{
    AdminClient, NewApp, NewBuyer, OpenIdPair, RegisteredApp, RevokeAppAuthToken, TradeLocator,
};

struct Env {
    _dir: tempfile::TempDir,
    running: RunningSandbox,
    config: ClientConfig,
    client: AlipayClient,
    admin: AdminClient,
    app_json: serde_json::Value,
    browser: reqwest::Client,
}

impl Env {
    async fn start() -> Env {
        let (dir, running) = common::start_sandbox().await;
        let path = dir.path().join("app.json");
        let config = ClientConfig::from_file(&path).unwrap();
        let client = AlipayClient::from_config(&config).unwrap();
        let admin = AdminClient::from_app_json(&path).unwrap();
        let app_json = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Env { _dir: dir, running, config, client, admin, app_json, browser }
    }

    fn base(&self) -> String {
        format!("http://{}", self.running.addr())
    }

    fn merchant_pid(&self) -> String {
        self.app_json["merchant_pid"].as_str().unwrap().to_owned()
    }

    async fn app(&self, open_id: bool) -> (RegisteredApp, AlipayClient) {
        let app = self.admin.register_app(&NewApp { open_id: Some(open_id), ..Default::default() }).await.unwrap();
        let cfg: ClientConfig = serde_json::from_value(serde_json::to_value(&app).unwrap()).unwrap();
        (app.clone(), AlipayClient::from_config(&cfg).unwrap())
    }

    /// Opens a consent page, fills in `field` and submits it as the page's form does; the `302` target.
    async fn consent(&self, page_url: &str, field: &str, value: &str) -> String {
        let page = self.browser.get(page_url).send().await.unwrap();
        assert_eq!(page.status(), 200, "{page_url}");
        let html = page.text().await.unwrap();
        let mut form = hidden_fields(&html);
        let action = if page_url.contains("appToAppAuth") {
            "/oauth2/appToAppAuth.htm"
        } else {
            "/oauth2/publicAppAuthorize.htm"
        };
        form.push((field.to_owned(), value.to_owned()));
        let answer = self.browser.post(format!("{}{action}", self.base())).form(&form).send().await.unwrap();
        assert_eq!(answer.status(), 302, "{}", answer.text().await.unwrap_or_default());
        answer.headers()["location"].to_str().unwrap().to_owned()
    }

    /// A buyer signs in on the user consent page of `app_id`; the callback's parameters.
    async fn user_consents(&self, app_id: &str, logon_id: &str, scope: &str) -> Vec<(String, String)> {
        let url = user_authorize_url(&self.base(), app_id, scope, "http://shop.example/cb?from=test", Some("s-42"));
        let location = self.consent(&url, "logon_id", logon_id).await;
        let (target, query) = location.split_once('?').unwrap();
        assert_eq!(target, "http://shop.example/cb");
        query_pairs(query)
    }

    /// A merchant authorizes the ISV's app on the app-to-app page; the `app_auth_code`.
    async fn merchant_authorizes(&self, isv_app_id: &str, merchant_pid: &str) -> String {
        let url = app_to_app_authorize_url(&self.base(), isv_app_id, "http://isv.example/cb", Some("m-1"));
        let location = self.consent(&url, "merchant_pid", merchant_pid).await;
        let query = query_pairs(location.split_once('?').unwrap().1);
        assert_eq!(get(&query, "app_id"), isv_app_id);
        assert_eq!(get(&query, "source"), "alipay_app_auth");
        assert_eq!(get(&query, "state"), "m-1");
        get(&query, "app_auth_code")
    }
}

fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for piece in html.split("<input type=\"hidden\" ").skip(1) {
        let attr = |name: &str| {
            let start = piece.find(&format!("{name}=\""))? + name.len() + 2;
            let end = start + piece.get(start..)?.find('"')?;
            Some(piece.get(start..end)?.replace("&amp;", "&").replace("&quot;", "\""))
        };
        out.push((attr("name").unwrap(), attr("value").unwrap()));
    }
    out
}

fn query_pairs(query: &str) -> Vec<(String, String)> {
    alipay_core::form::decode(query.as_bytes(), alipay_core::Charset::Utf8).unwrap()
}

fn get(pairs: &[(String, String)], key: &str) -> String {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_else(|| panic!("{key} in {pairs:?}"))
}

/// User consent on the default app (user ids) and on a new app (open ids): the callback has `app_id`,
/// `source=alipay_wallet`, `scope`, `auth_code`, `state` (callbacks pasted in public projects, e.g.
/// `…?app_id=2016072800108741&source=alipay_wallet&scope=auth_base&state=…&auth_code=9ee0…VD78`); the code
/// gives `user_id` to the old app and `open_id` to the new one with `expires_in` 1296000 and `re_expires_in`
/// 2592000 (a captured production answer, 2025-05-24, pasted in a public README:
/// `{"access_token":"authusrB…","auth_start":"2025-05-24 20:18:53","expires_in":1296000,"re_expires_in":2592000,
/// "refresh_token":"authusrB…","open_id":"083d…"}`; `alipay/alipay-sdk-java-all`
/// `src/main/java/com/alipay/api/response/AlipaySystemOauthTokenResponse.java`, 2024-03: `open_id`,
/// `auth_start`); refresh answers new tokens and uses the old refresh token up (`40002
/// isv.refresh-token-invalid` 刷新令牌refresh_token无效: `alipay/alipay-easysdk`
/// `java/src/test/java/com/alipay/easysdk/base/oauth/ClientTest.java`); `user.info.share` answers the
/// profile for `auth_user` and `20001 aop.invalid-auth-token` for an `auth_base` token.
#[tokio::test]
async fn user_consent_gives_the_apps_own_id_and_tokens_that_refresh() {
    let env = Env::start().await;
    let buyer = env.admin.create_buyer(&NewBuyer::new("10.00", "10.00")).await.unwrap();

    // The default app gets user ids.
    let back = env.user_consents(&env.config.app_id, &buyer.logon_id, "auth_user").await;
    assert_eq!(get(&back, "from"), "test", "redirect_uri's own query is kept");
    assert_eq!(get(&back, "app_id"), env.config.app_id);
    assert_eq!(get(&back, "source"), "alipay_wallet");
    assert_eq!(get(&back, "scope"), "auth_user");
    assert_eq!(get(&back, "state"), "s-42");
    let token = env.client.oauth_token(&get(&back, "auth_code")).await.unwrap();
    assert!(token.status.is_success(), "{:?}", token.status);
    let t = token.body;
    assert_eq!(t.user_id.as_deref(), Some(buyer.user_id.as_str()));
    assert_eq!(t.open_id, None);
    assert_eq!((t.expires_in, t.re_expires_in), (Some(1_296_000), Some(2_592_000)));
    assert!(t.auth_start.is_some());
    let access = t.access_token.clone().unwrap();
    assert!(access.starts_with("authusrB") && access.len() == 40, "{access}");
    let profile = env.client.user_info_share(&access).await.unwrap();
    assert!(profile.status.is_success(), "{:?}", profile.status);
    assert_eq!(profile.body.user_id.as_deref(), Some(buyer.user_id.as_str()));
    let tail = &buyer.logon_id[buyer.logon_id.len() - 4..];
    assert!(profile.body.nick_name.as_deref().unwrap().ends_with(tail), "{:?}", profile.body.nick_name);

    // Refresh: new tokens; the old refresh token is used up.
    let refresh = t.refresh_token.clone().unwrap();
    let again = env.client.oauth_refresh(&refresh).await.unwrap();
    assert!(again.status.is_success(), "{:?}", again.status);
    assert_eq!(again.body.user_id.as_deref(), Some(buyer.user_id.as_str()));
    assert_ne!(again.body.access_token.as_deref(), Some(access.as_str()));
    assert_ne!(again.body.refresh_token.as_deref(), Some(refresh.as_str()));
    let reused = env.client.oauth_refresh(&refresh).await.unwrap();
    assert_eq!(reused.status.code, ResultCode::InvalidArgument);
    assert_eq!(reused.status.sub_code.as_deref(), Some("isv.refresh-token-invalid"));
    assert_eq!(reused.status.sub_msg.as_deref(), Some("刷新令牌refresh_token无效"));
    let fresh = again.body.access_token.unwrap();
    assert!(env.client.user_info_share(&fresh).await.unwrap().status.is_success());

    // A new app gets the buyer's open id, which resolves back to the buyer.
    let (app, client) = env.app(true).await;
    let back = env.user_consents(&app.app_id, &buyer.logon_id, "auth_base").await;
    let token = client.oauth_token(&get(&back, "auth_code")).await.unwrap().body;
    let open_id = token.open_id.clone().expect("open_id");
    assert_eq!(token.user_id, None);
    assert!(!open_id.starts_with("2088"), "{open_id}");
    let pair = OpenIdPair { app_id: app.app_id.clone(), open_id: Some(open_id.clone()), ..Default::default() };
    assert_eq!(env.admin.open_id(&pair).await.unwrap().user_id.as_deref(), Some(buyer.user_id.as_str()));
    // auth_base does not share the profile; another app's token is not this app's.
    let base_only = client.user_info_share(token.access_token.as_deref().unwrap()).await.unwrap();
    assert_eq!(base_only.status.code, ResultCode::InsufficientTokenPermissions);
    assert_eq!(base_only.status.sub_code.as_deref(), Some("aop.invalid-auth-token"));
    assert_eq!(base_only.status.sub_msg.as_deref(), Some("无效的访问令牌"));
    let foreign = client.user_info_share(&fresh).await.unwrap();
    assert_eq!(foreign.status.sub_code.as_deref(), Some("aop.invalid-auth-token"));
}

/// A used code, an expired code (3 minutes on the sandbox clock: "auth_code一次有效，auth_code有效期为3分钟到24小时
/// … 不会低于3分钟", the `code` field of the authorization models in `alipay/alipay-sdk-java-all`) and
/// another app's code are `40002 isv.code-invalid` 授权码code无效 (`alipay/alipay-easysdk`
/// `java/src/test/java/com/alipay/easysdk/base/oauth/ClientTest.java`, a production answer), answered under
/// `error_response` as production does (`alipay-sdk` for Node, `lib/alipay.js`'s sample answer
/// `{"error_response":{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.code-invalid",…}}`), and change
/// nothing; a success carries no `code`/`msg` (production answers pasted in public projects, e.g.
/// `lihongsheng/payment-sdk` `adapter/alipay/user/user_test.go` test: `{"alipay_system_oauth_token_response":{"access_token":"authusrB…",
/// "auth_start":"2025-10-15 13:19:21","expires_in":1296000,…}`); an access token past its 15 days is `20001 aop.auth-token-time-out` 访问令牌已过期 (Alipay's public
/// error table, 公共错误码).
#[tokio::test]
async fn used_expired_or_foreign_codes_are_refused_and_change_nothing() {
    let env = Env::start().await;
    let buyer = env.admin.create_buyer(&NewBuyer::new("10.00", "10.00")).await.unwrap();
    let back = env.user_consents(&env.config.app_id, &buyer.logon_id, "auth_user").await;
    let code = get(&back, "auth_code");
    let first = env.client.oauth_token(&code).await.unwrap();
    assert!(first.status.is_success());
    let access = first.body.access_token.unwrap();

    let used = env.client.oauth_token(&code).await.unwrap();
    assert_eq!(used.status.code, ResultCode::InvalidArgument);
    assert_eq!(used.status.sub_code.as_deref(), Some("isv.code-invalid"));
    assert_eq!(used.status.sub_msg.as_deref(), Some("授权码code无效"));
    assert!(used.body.access_token.is_none());

    // Another app cannot exchange this app's code, and the code stays usable by its own app.
    let other_code = get(&env.user_consents(&env.config.app_id, &buyer.logon_id, "auth_base").await, "auth_code");
    let (_, stranger) = env.app(false).await;
    let foreign = stranger.oauth_token(&other_code).await.unwrap();
    assert_eq!(foreign.status.sub_code.as_deref(), Some("isv.code-invalid"));
    assert!(env.client.oauth_token(&other_code).await.unwrap().status.is_success(), "unchanged by the refusal");

    // A success has no code/msg, only the token fields in production's order; a failure is under
    // error_response, signed: the raw answers.
    let fresh = get(&env.user_consents(&env.config.app_id, &buyer.logon_id, "auth_base").await, "auth_code");
    let raw = raw_oauth_token(&env, &fresh).await;
    assert!(raw.starts_with("{\"alipay_system_oauth_token_response\":{\"access_token\":\"authusrB"), "{raw}");
    let object = raw.split("},\"sign\"").next().unwrap();
    assert!(!object.contains("\"code\"") && !object.contains("\"msg\""), "{raw}");
    let order = ["access_token", "auth_start", "expires_in", "re_expires_in", "refresh_token", "user_id"];
    let at: Vec<usize> = order.iter().map(|k| object.find(&format!("\"{k}\":")).unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{raw}");
    let raw = raw_oauth_token(&env, &code).await;
    assert!(raw.starts_with("{\"error_response\":{\"code\":\"40002\""), "{raw}");
    assert!(raw.contains("\"sign\":\""), "{raw}");

    // Expiry, on the sandbox clock.
    let late = get(&env.user_consents(&env.config.app_id, &buyer.logon_id, "auth_user").await, "auth_code");
    env.admin.advance_clock(181).await.unwrap();
    let expired = env.client.oauth_token(&late).await.unwrap();
    assert_eq!(expired.status.sub_code.as_deref(), Some("isv.code-invalid"));
    assert!(env.client.user_info_share(&access).await.unwrap().status.is_success(), "the token lives on");
    env.admin.advance_clock(1_296_000).await.unwrap();
    let old = env.client.user_info_share(&access).await.unwrap();
    assert_eq!(old.status.code, ResultCode::InsufficientTokenPermissions);
    assert_eq!(old.status.sub_code.as_deref(), Some("aop.auth-token-time-out"));
    assert_eq!(old.status.sub_msg.as_deref(), Some("访问令牌已过期"));
}

/// `alipay.system.oauth.token` signed by hand and posted as a form: the raw answer text.
async fn raw_oauth_token(env: &Env, code: &str) -> String {
    let key = alipay_core::PrivateKey::from_text(&env.config.app_private_key).unwrap();
    let timestamp = alipay_core::Timestamp::now().to_string();
    let mut params: Vec<(&str, &str)> = vec![
        ("app_id", env.config.app_id.as_str()),
        ("method", "alipay.system.oauth.token"),
        ("format", "JSON"),
        ("charset", "utf-8"),
        ("sign_type", "RSA2"),
        ("timestamp", timestamp.as_str()),
        ("version", "1.0"),
        ("grant_type", "authorization_code"),
        ("code", code),
    ];
    let sign = alipay_core::sign_request(
        params.iter().copied(),
        &key,
        alipay_core::SignType::Rsa2,
        alipay_core::Charset::Utf8,
    )
    .unwrap();
    params.push(("sign", sign.as_str()));
    let body = alipay_core::form::encode(params, alipay_core::Charset::Utf8).unwrap();
    reqwest::Client::new()
        .post(&env.config.gateway_url)
        .header("content-type", "application/x-www-form-urlencoded;charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The ISV flow: the merchant authorizes the ISV's app on the app-to-app page (callback
/// `…?app_id=…&source=alipay_app_auth&app_auth_code=…`, as pasted in public projects); the exchange answers the
/// token in `tokens` (a production answer pasted in a public project, 2019-12:
/// `{"code":"10000","msg":"Success","tokens":[{"app_auth_token":"201912BB…","app_refresh_token":"201912BB…",
/// "auth_app_id":"2021001102690024","expires_in":31536000,"re_expires_in":32140800,"user_id":"2088…"}]}`;
/// `alipay/alipay-sdk-java-all` `src/main/java/com/alipay/api/response/AlipayOpenAuthTokenAppResponse.java`);
/// precreate, pay and refund with the token belong to that merchant; another merchant's token cannot see the
/// trade (`ACQ.TRADE_NOT_EXIST`); `.query` shows `valid`; a refresh gives a new token and the old one works 10
/// minutes more (the method's document: "刷新令牌后，我们会保证老的app_auth_token从刷新开始10分钟内可继续使用"),
/// then `20001 aop.app-auth-token-time-out` 应用授权令牌已过期; a revoked token is `20001
/// aop.invalid-app-auth-token` 无效的应用授权令牌 (the public error table; `alipay/alipay-easysdk`'s production test of
/// an unknown token answers the same code and message).
#[tokio::test]
async fn an_isv_acts_for_the_merchant_that_authorized_it_until_refreshed_or_revoked() {
    let env = Env::start().await;
    let merchant = env.merchant_pid();
    let (isv, isv_client) = env.app(false).await;
    let code = env.merchant_authorizes(&isv.app_id, &merchant).await;
    let answer = isv_client.app_auth_token(&code).await.unwrap();
    assert!(answer.status.is_success(), "{:?}", answer.status);
    assert!(answer.body.top.app_auth_token.is_none(), "production answers an exchange in tokens only");
    let token = answer.body.token().unwrap().clone();
    assert_eq!(token.user_id.as_deref(), Some(merchant.as_str()));
    assert_eq!(token.auth_app_id.as_deref(), Some(env.config.app_id.as_str()));
    assert_eq!((token.expires_in, token.re_expires_in), (Some(31_536_000), Some(32_140_800)));
    let app_auth_token = token.app_auth_token.clone().unwrap();
    let reused = isv_client.app_auth_token(&code).await.unwrap();
    assert_eq!(reused.status.sub_code.as_deref(), Some("isv.code-invalid"), "single use");

    // A trade made with the token is the merchant's: the merchant's own app sees it, pays out to it.
    let for_merchant = CallOptions::for_merchant(&app_auth_token);
    let order = TradePrecreate {
        out_trade_no: "ISV-1".into(),
        total_amount: "8.00".parse().unwrap(),
        subject: "isv".into(),
        ..Default::default()
    };
    let pre = isv_client.execute_with(&order, &for_merchant).await.unwrap();
    assert!(pre.status.is_success(), "{:?}", pre.status);
    let buyer = env.admin.create_buyer(&NewBuyer::new("50.00", "50.00")).await.unwrap();
    let locator = TradeLocator { out_trade_no: Some("ISV-1".into()), ..Default::default() };
    let scan = alipay_sandbox_admin::ScanTrade {
        out_trade_no: Some("ISV-1".into()),
        buyer_id: Some(buyer.user_id.clone()),
        confirm: true,
        ..Default::default()
    };
    let paid = env.admin.scan_trade(&scan).await.unwrap();
    assert_eq!(paid.trade_status, "TRADE_SUCCESS");
    assert_eq!(env.admin.trade(&locator).await.unwrap().trade_no, paid.trade_no, "the default app's merchant's");
    let own =
        env.client.execute(&TradeQuery { out_trade_no: Some("ISV-1".into()), ..Default::default() }).await.unwrap();
    assert_eq!(own.body.trade_status.map(|s| s.to_string()).as_deref(), Some("TRADE_SUCCESS"), "the merchant's trade");
    let refund = TradeRefund {
        out_trade_no: Some("ISV-1".into()),
        refund_amount: "3.00".parse().unwrap(),
        ..Default::default()
    };
    let refunded = isv_client.execute_with(&refund, &for_merchant).await.unwrap();
    assert!(refunded.status.is_success(), "{:?}", refunded.status);
    // Without the token the ISV's app acts for its own merchant: not this trade.
    let mine =
        isv_client.execute(&TradeQuery { out_trade_no: Some("ISV-1".into()), ..Default::default() }).await.unwrap();
    assert_eq!(mine.status.sub_code.as_deref(), Some("ACQ.TRADE_NOT_EXIST"));

    // Another merchant authorizes the same ISV: its token cannot touch the first merchant's trade.
    let (other_app, _) = env.app(false).await;
    let other_code = env.merchant_authorizes(&isv.app_id, &other_app.merchant_pid).await;
    let other = isv_client.app_auth_token(&other_code).await.unwrap().body.token().unwrap().clone();
    assert_eq!(other.user_id.as_deref(), Some(other_app.merchant_pid.as_str()));
    let theirs = CallOptions::for_merchant(other.app_auth_token.as_deref().unwrap());
    let q = isv_client
        .execute_with(&TradeQuery { out_trade_no: Some("ISV-1".into()), ..Default::default() }, &theirs)
        .await
        .unwrap();
    assert_eq!(q.status.sub_code.as_deref(), Some("ACQ.TRADE_NOT_EXIST"));
    let r = isv_client.execute_with(&refund, &theirs).await.unwrap();
    assert!(!r.status.is_success(), "{:?}", r.status);

    // The query shows the authorization.
    let shown = isv_client.app_auth_token_query(&app_auth_token).await.unwrap();
    assert!(shown.status.is_success(), "{:?}", shown.status);
    assert_eq!(shown.body.status, Some(AppAuthStatus::Valid));
    assert_eq!(shown.body.user_id.as_deref(), Some(merchant.as_str()));
    assert!(shown.body.auth_methods.as_ref().unwrap().iter().any(|m| m == "alipay.trade.refund"));
    // Another app cannot look at the ISV's token.
    let peek = env.client.app_auth_token_query(&app_auth_token).await.unwrap();
    assert_eq!(peek.status.sub_code.as_deref(), Some("aop.invalid-app-auth-token"));

    // Refresh: a new token; the old one works 10 minutes more, then has expired.
    let refreshed = isv_client.app_auth_refresh(token.app_refresh_token.as_deref().unwrap()).await.unwrap();
    assert!(refreshed.status.is_success(), "{:?}", refreshed.status);
    let new_token = refreshed.body.token().unwrap().app_auth_token.clone().unwrap();
    assert_ne!(new_token, app_auth_token);
    let query = TradeQuery { out_trade_no: Some("ISV-1".into()), ..Default::default() };
    assert!(isv_client.execute_with(&query, &for_merchant).await.unwrap().status.is_success(), "grace period");
    env.admin.advance_clock(601).await.unwrap();
    let late = isv_client.execute_with(&query, &for_merchant).await.unwrap();
    assert_eq!(late.status.code, ResultCode::InsufficientTokenPermissions);
    assert_eq!(late.status.sub_code.as_deref(), Some("aop.app-auth-token-time-out"));
    assert_eq!(late.status.sub_msg.as_deref(), Some("应用授权令牌已过期"));
    let old_shown = isv_client.app_auth_token_query(&app_auth_token).await.unwrap();
    assert_eq!(old_shown.body.status, Some(AppAuthStatus::Invalid));
    let with_new = CallOptions::for_merchant(&new_token);
    assert!(isv_client.execute_with(&query, &with_new).await.unwrap().status.is_success());

    // Revocation: the token stops at once, its refresh token too.
    let revoked =
        env.admin.revoke_app_auth_token(&RevokeAppAuthToken { app_auth_token: new_token.clone() }).await.unwrap();
    assert_eq!((revoked.merchant_pid.as_str(), revoked.status.as_str()), (merchant.as_str(), "invalid"));
    let refused = isv_client.execute_with(&query, &with_new).await.unwrap();
    assert_eq!(refused.status.code, ResultCode::InsufficientTokenPermissions);
    assert_eq!(refused.status.sub_code.as_deref(), Some("aop.invalid-app-auth-token"));
    assert_eq!(refused.status.sub_msg.as_deref(), Some("无效的应用授权令牌"));
    let revoked_shown = isv_client.app_auth_token_query(&new_token).await.unwrap();
    assert_eq!(revoked_shown.body.status, Some(AppAuthStatus::Invalid));
    let new_refresh = refreshed.body.token().unwrap().app_refresh_token.clone().unwrap();
    let refresh_after = isv_client.app_auth_refresh(&new_refresh).await.unwrap();
    assert_eq!(refresh_after.status.sub_code.as_deref(), Some("isv.refresh-token-invalid"));
    assert!(env.admin.revoke_app_auth_token(&RevokeAppAuthToken { app_auth_token: "nope".into() }).await.is_err());
}

/// The consent pages refuse what production refuses before showing anything: an unknown app, a scope that is
/// neither `auth_base` nor `auth_user`, a `redirect_uri` that is not an http(s) URL; and a post from another site
/// or with a forged ticket changes nothing (as the cashier's forms).
#[tokio::test]
async fn consent_pages_refuse_bad_requests_and_forged_posts() {
    let env = Env::start().await;
    let base = env.base();
    for url in [
        user_authorize_url(&base, "2021999999999999", "auth_base", "http://shop/cb", None),
        user_authorize_url(&base, &env.config.app_id, "auth_zhima", "http://shop/cb", None),
        user_authorize_url(&base, &env.config.app_id, "auth_base", "javascript:alert(1)", None),
        app_to_app_authorize_url(&base, "2021999999999999", "http://isv/cb", None),
    ] {
        let page = env.browser.get(&url).send().await.unwrap();
        assert_eq!(page.status(), 400, "{url}");
    }
    let url = user_authorize_url(&base, &env.config.app_id, "auth_base", "http://shop/cb", None);
    let html = env.browser.get(&url).send().await.unwrap().text().await.unwrap();
    let mut form = hidden_fields(&html);
    form.push(("logon_id".into(), env.admin.create_buyer(&NewBuyer::new("1.00", "1.00")).await.unwrap().logon_id));
    let post = |form: Vec<(String, String)>, site: &'static str| {
        env.browser
            .post(format!("{base}/oauth2/publicAppAuthorize.htm"))
            .header("sec-fetch-site", site)
            .form(&form)
            .send()
    };
    assert_eq!(post(form.clone(), "cross-site").await.unwrap().status(), 403);
    let mut forged = form.clone();
    for (k, v) in &mut forged {
        if k == "redirect_uri" {
            *v = "http://evil.example/steal".into();
        }
    }
    assert_eq!(post(forged, "same-origin").await.unwrap().status(), 403, "the ticket binds the redirect");
    let mut stranger = form.clone();
    for (k, v) in &mut stranger {
        if k == "logon_id" {
            *v = "nobody@example".into();
        }
    }
    let unknown = post(stranger, "same-origin").await.unwrap();
    assert_eq!(unknown.status(), 200, "the page again, no redirect");
    assert!(unknown.text().await.unwrap().contains("data-testid=\"message\""));
    assert_eq!(post(form, "same-origin").await.unwrap().status(), 302);
}

/// A code is single use even when two exchanges race (on PostgreSQL the two transactions conflict on the
/// code's row and the one that runs again sees it used): exactly one answer has a token, the other
/// `isv.code-invalid`. The same for a refresh token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_exchanges_of_one_code_give_one_token() {
    let env = Env::start().await;
    let buyer = env.admin.create_buyer(&NewBuyer::new("1.00", "1.00")).await.unwrap();
    for _ in 0..3 {
        let code = get(&env.user_consents(&env.config.app_id, &buyer.logon_id, "auth_base").await, "auth_code");
        let (a, b) = tokio::join!(env.client.oauth_token(&code), env.client.oauth_token(&code));
        let (a, b) = (a.unwrap(), b.unwrap());
        let won: Vec<_> = [&a, &b].iter().filter(|r| r.status.is_success()).map(|r| r.body.clone()).collect();
        assert_eq!(won.len(), 1, "{:?} / {:?}", a.status, b.status);
        let lost = if a.status.is_success() { &b } else { &a };
        assert_eq!(lost.status.sub_code.as_deref(), Some("isv.code-invalid"));
        let refresh = won[0].refresh_token.clone().unwrap();
        let (x, y) = tokio::join!(env.client.oauth_refresh(&refresh), env.client.oauth_refresh(&refresh));
        let ok = [x.unwrap(), y.unwrap()].iter().filter(|r| r.status.is_success()).count();
        assert_eq!(ok, 1, "one refresh per refresh token");
    }
}

/// An open id from user consent names the buyer in the deduct methods (issue 16): an app that gets open ids
/// exchanges the `auth_code` for the buyer's `open_id`, signs a direct-deduct agreement with it
/// (`alipay.ebpp.pdeduct.sign.add` `open_id`, no `user_id`), finds it again by open id (the answer names the
/// buyer by `open_id`, not `user_id`) and charges it (`alipay.ebpp.pdeduct.pay`), money moving from that buyer.
/// The seeds know only `user_id`; Alipay's EBPP models carry `open_id` beside it today, "支付宝用户的openId"
/// (`alipay/alipay-sdk-net-all` `v2/AlipaySDKNet/Domain/AlipayEbppInstserviceDeductPayModel.cs`,
/// `AlipayEbppInstserviceContractdeductSignModel.cs`). The open id names nobody in another app, nor in an app
/// that gets user ids: the buyer's token is then not that user's (`PAY_PASSWORD_TOKEN_INVALID`) and nothing is
/// signed.
#[tokio::test]
async fn an_open_id_from_consent_signs_and_pays_a_deduction() {
    use alipay_api::deduct::{DeductResult, PdeductPay, PdeductSignAdd, PdeductSignQuery};
    use alipay_client::ResponseExt;
    use alipay_sandbox_admin::NewPayPasswordToken;
    let env = Env::start().await;
    let buyer = env.admin.create_buyer(&NewBuyer::new("100.00", "100.00")).await.unwrap();
    let (app, client) = env.app(true).await;
    let back = env.user_consents(&app.app_id, &buyer.logon_id, "auth_base").await;
    let open_id = client.oauth_token(&get(&back, "auth_code")).await.unwrap().body.open_id.expect("open_id");

    let token =
        || async { env.admin.issue_pay_password_token(&NewPayPasswordToken::for_user(&buyer.user_id)).await.unwrap() };
    let sign = |token: String, pid: &str| PdeductSignAdd {
        pay_password_token: token,
        open_id: Some(open_id.clone()),
        biz_type: "JF".into(),
        sub_biz_type: "ELECTRIC".into(),
        bill_key: "E0001".into(),
        charge_inst: "HZELEC".into(),
        pid: pid.to_owned(),
        agent_channel: "PUBLICPLATFORM".into(),
        ..Default::default()
    };
    // Not this buyer in an app that gets user ids, nor in another open-id app.
    let pid = env.merchant_pid();
    let refused = env.client.execute(&sign(token().await.pay_password_token, &pid)).await.unwrap();
    assert_eq!(refused.status.sub_code.as_deref(), Some("PAY_PASSWORD_TOKEN_INVALID"), "{:?}", refused.status);
    let (other, other_client) = env.app(true).await;
    let refused = other_client.execute(&sign(token().await.pay_password_token, &other.merchant_pid)).await.unwrap();
    assert_eq!(refused.status.sub_code.as_deref(), Some("PAY_PASSWORD_TOKEN_INVALID"), "{:?}", refused.status);

    let signed = client.execute(&sign(token().await.pay_password_token, &app.merchant_pid)).await.unwrap();
    let agreement = signed.ok().unwrap().agreement_id.unwrap();
    let q = PdeductSignQuery {
        open_id: Some(open_id.clone()),
        agreement_id: Some(agreement.clone()),
        ..Default::default()
    };
    let found = client.execute(&q).await.unwrap().ok().unwrap();
    assert_eq!((found.open_id.as_deref(), found.user_id.as_deref()), (Some(open_id.as_str()), None));
    assert_eq!(found.agreement_id.as_deref(), Some(agreement.as_str()));

    let pay = PdeductPay {
        agreement_id: agreement,
        open_id: Some(open_id.clone()),
        bill_key: "E0001".into(),
        pid: app.merchant_pid.clone(),
        out_order_no: "OPENID-DEDUCT-1".into(),
        pay_amount: "12.30".parse().unwrap(),
        fine_amount: "0.00".parse().unwrap(),
        agent_channel: "PUBLICFORM".into(),
        agent_code: "0".into(),
        ..Default::default()
    };
    let paid = client.execute(&pay).await.unwrap().ok().unwrap();
    assert_eq!(paid.result_status, Some(DeductResult::Success), "{paid:?}");
    assert_eq!(env.admin.buyer(&buyer.user_id).await.unwrap().balance, "87.70".parse().unwrap());
}

/// An app with an authorization callback address (授权回调地址: "在请求之前，开发者需要先到开发者中心对应应用内，配置授权
/// 回调地址", the `redirect_uri` row of Alipay's user-authorization doc, mirrored on apifox
/// `docs-site/3618910/doc-3285819`): its consent pages redirect only to URLs of that scheme and host; another
/// host, another scheme or a host hidden behind user info is refused before anything is shown, for user consent
/// and app-to-app alike. An address that is not an http(s) URL is refused when the app is registered.
#[tokio::test]
async fn consent_pages_redirect_only_under_the_apps_callback_address() {
    let env = Env::start().await;
    let base = env.base();
    let new = NewApp {
        auth_redirect_uri: Some("https://shop.example/alipay/callback".into()),
        open_id: Some(false),
        ..Default::default()
    };
    let app = env.admin.register_app(&new).await.unwrap();
    for (uri, status) in [
        ("https://shop.example/other/path?x=1", 200),
        ("https://SHOP.example/alipay/callback", 200),
        ("https://evil.example/alipay/callback", 400),
        ("http://shop.example/alipay/callback", 400),
        ("https://shop.example.evil.example/cb", 400),
        ("https://shop.example@evil.example/cb", 400),
        ("https://shop.example:8443/cb", 400),
    ] {
        let user = user_authorize_url(&base, &app.app_id, "auth_base", uri, None);
        assert_eq!(env.browser.get(&user).send().await.unwrap().status(), status, "user consent, {uri}");
        let isv = app_to_app_authorize_url(&base, &app.app_id, uri, None);
        assert_eq!(env.browser.get(&isv).send().await.unwrap().status(), status, "app-to-app, {uri}");
    }
    let buyer = env.admin.create_buyer(&NewBuyer::new("1.00", "1.00")).await.unwrap();
    let url = user_authorize_url(&base, &app.app_id, "auth_base", "https://shop.example/alipay/callback", None);
    let location = env.consent(&url, "logon_id", &buyer.logon_id).await;
    assert!(location.starts_with("https://shop.example/alipay/callback?"), "{location}");

    let bad = NewApp { auth_redirect_uri: Some("shop.example/cb".into()), ..Default::default() };
    assert!(env.admin.register_app(&bad).await.is_err(), "not an http(s) URL");
}
