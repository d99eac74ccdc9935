//! The app a load run signs as (read from the sandbox's `app.json`), and request pre-signing.

use std::path::{Path, PathBuf};

use alipay_core::{form, sign_request, Charset, PrivateKey, PublicKey, SignType, Timestamp};
use serde_json::Value;

/// Any error of the load generator.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// What a load run needs from `app.json` (of one instance, or of several instances on one store).
pub struct App {
    /// `http://127.0.0.1:PORT/gateway.do` (the first instance's).
    pub gateway_url: String,
    /// Every instance's gateway, in `--config` order: request `i` goes to `gateway_urls[i % len]`.
    pub gateway_urls: Vec<String>,
    /// `http://127.0.0.1:PORT` (admin routes live under `/admin/...`).
    pub base_url: String,
    /// The default app id.
    pub app_id: String,
    /// The app private key (parsed once).
    pub key: PrivateKey,
    /// The sandbox's Alipay public key, to verify answers.
    pub alipay_key: PublicKey,
    /// The admin API token, if `app.json` has one.
    pub admin_token: Option<String>,
    /// The sandbox's data directory (where `app.json` lives).
    pub data_dir: PathBuf,
}

fn field<'a>(v: &'a Value, name: &str) -> Result<&'a str, Error> {
    v.get(name).and_then(Value::as_str).ok_or_else(|| format!("app.json: missing string field `{name}`").into())
}

impl App {
    /// Reads `app.json`; refuses a gateway that is not on the loopback interface.
    pub fn load(path: &Path) -> Result<App, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let v: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let gateway_url = field(&v, "gateway_url")?.to_owned();
        let url = reqwest::Url::parse(&gateway_url).map_err(|e| format!("gateway_url {gateway_url}: {e}"))?;
        let host = url.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
        let loopback =
            host == "localhost" || host.parse::<std::net::IpAddr>().map(|ip| ip.is_loopback()).unwrap_or(false);
        if !loopback {
            return Err(format!("refusing to load a non-loopback gateway: {gateway_url}").into());
        }
        let base_url = gateway_url.strip_suffix("/gateway.do").unwrap_or(&gateway_url).to_owned();
        let data_dir = path.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
        Ok(App {
            gateway_urls: vec![gateway_url.clone()],
            gateway_url,
            base_url,
            app_id: field(&v, "app_id")?.to_owned(),
            key: PrivateKey::from_text(field(&v, "app_private_key")?)?,
            alipay_key: PublicKey::from_text(field(&v, "alipay_public_key")?)?,
            admin_token: v.get("admin_token").and_then(Value::as_str).map(str::to_owned),
            data_dir,
        })
    }

    /// The `app.json` of every instance (one or more), which must all name the same app and keys: several
    /// sandboxes on one store (`--store`) share them and differ only in their gateway. Admin calls and the
    /// data directory are the first one's.
    pub fn load_all(paths: &[PathBuf]) -> Result<App, Error> {
        let Some((first, rest)) = paths.split_first() else { return Err("no --config given".into()) };
        let mut app = App::load(first)?;
        for path in rest {
            let other = App::load(path)?;
            let same = other.app_id == app.app_id
                && other.key.to_pkcs8_base64() == app.key.to_pkcs8_base64()
                && other.alipay_key.to_spki_base64() == app.alipay_key.to_spki_base64();
            if !same {
                return Err(format!(
                    "{} names another app or other keys than {}: the instances must share one store (--store)",
                    path.display(),
                    first.display()
                )
                .into());
            }
            app.gateway_urls.push(other.gateway_url);
        }
        Ok(app)
    }

    /// The gateway of request `i` (round robin over the instances).
    pub fn gateway_for(&self, i: usize) -> &str {
        self.gateway_urls.get(i % self.gateway_urls.len().max(1)).map_or(self.gateway_url.as_str(), String::as_str)
    }

    /// One signed request as a complete form body (every parameter in the body).
    pub fn sign_one(&self, method: &str, biz_content: &str, timestamp: &str) -> Result<String, Error> {
        let mut params: Vec<(&str, &str)> = vec![
            ("app_id", &self.app_id),
            ("method", method),
            ("format", "JSON"),
            ("charset", "utf-8"),
            ("sign_type", "RSA2"),
            ("timestamp", timestamp),
            ("version", "1.0"),
            ("biz_content", biz_content),
        ];
        let sign = sign_request(params.iter().copied(), &self.key, SignType::Rsa2, Charset::Utf8)?;
        params.push(("sign", &sign));
        Ok(form::encode(params.iter().copied(), Charset::Utf8)?)
    }

    /// Signs one request per `biz_content`, on every core; returns the form bodies in order.
    pub fn presign(&self, method: &str, bizs: &[String]) -> Result<Vec<String>, Error> {
        let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).max(1);
        let chunk = bizs.len().div_ceil(threads).max(1);
        let timestamp = Timestamp::now().to_string();
        let parts: Vec<Result<Vec<String>, Error>> = std::thread::scope(|s| {
            let handles: Vec<_> = bizs
                .chunks(chunk)
                .map(|part| {
                    let timestamp = &timestamp;
                    s.spawn(move || part.iter().map(|b| self.sign_one(method, b, timestamp)).collect())
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("a signing thread panicked".into()))).collect()
        });
        let mut out = Vec::with_capacity(bizs.len());
        for part in parts {
            out.extend(part?);
        }
        Ok(out)
    }
}
