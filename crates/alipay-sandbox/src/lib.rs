//! # alipay-sandbox
//!
//! A local Alipay Open Platform gateway that behaves like the real one, so merchant systems and SDKs can be
//! tested offline: `POST|GET /gateway.do` with the real common parameters, signatures and result codes;
//! signed answers; persistent trades and balances (SQLite, group commit, nothing acknowledged is lost);
//! signed asynchronous notifications with retries; and simulation controls under `/admin/...` (see
//! the `admin` module), and an operator console at `/` (the `console` module).
//!
//! The layout (ARCHITECTURE.md at the repository root: the layers, and the path of one request): `gateway` (HTTP and the
//! common protocol, and the one table of methods), `products` (one folder per product family: engine, store,
//! controls, notifications), `store` (the transaction boundary and the shared tables), `notify` (the outbox
//! worker), `admin` (the shared controls), `accounts`, `clock`, `faults`.
//!
//! ```no_run
//! # async fn run() -> Result<(), alipay_sandbox::SandboxError> {
//! alipay_sandbox::serve(alipay_sandbox::ServeOptions::default()).await
//! # }
//! ```

pub mod accept;
mod accounts;
mod admin;
mod caller;
mod cashier;
mod clock;
mod console;
mod defaults;
mod error;
mod faults;
mod gateway;
mod ids;
mod modes;
mod notify;
mod openid;
mod origin;
mod products;
mod reply;
mod settings;
mod shared;
mod store;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alipay_core::{Money, PrivateKey, PublicKey};
use tokio::sync::{watch, Notify};

use crate::clock::Clock;
pub use crate::defaults::AppJson;
use crate::defaults::{app_json, meta_keys, seed};
use crate::error::io_err;
pub use crate::error::SandboxError;
use crate::faults::Faults;
pub use crate::settings::Settings;
use crate::store::Store;

/// Tunables of the sandbox.
#[derive(Debug, Clone)]
pub struct Config {
    /// Accepted distance between a request's `timestamp` and the real clock (default 30 min).
    pub timestamp_skew_secs: i64,
    /// Product rules (timeouts, windows).
    pub settings: Settings,
    /// Multiplier of the notification retry intervals (1.0 = real; tests use e.g. 0.001).
    pub notify_time_scale: f64,
    /// How often unpaid trades are checked for timeouts (default 1 s).
    pub sweep_interval: Duration,
    /// Balance of the default buyer created on first start (default 10000.00).
    pub default_buyer_balance: Money,
    /// Password-free limit of the default buyer (default 2000.00).
    pub default_buyer_limit: Money,
    /// How long a `bill_download_url` can be downloaded, in real time (default 30 s, as trade.md says).
    pub bill_url_ttl: Duration,
    /// Where the state lives: `None` for SQLite in the data directory (the default), or a PostgreSQL URL
    /// (`postgres://USER:PASSWORD@HOST:PORT/DB`) that several instances share.
    pub store: Option<String>,
    /// How long a notification claimed by this instance for delivery stays with it (real time, default 20 s):
    /// on a shared store, the claims of an instance that died are delivered by another after this.
    pub notify_lease: Duration,
    /// Slots of the cache of answer signatures (default 4096, about 1.6 MB; 0 turns it off): an answer
    /// byte-for-byte equal to one already signed with the same key is not signed again (RSA PKCS#1 v1.5 is
    /// deterministic, so the signature is the same: `alipay_core::sign_cache`).
    pub signature_cache_slots: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            timestamp_skew_secs: 1800,
            settings: Settings::default(),
            notify_time_scale: 1.0,
            sweep_interval: Duration::from_secs(1),
            default_buyer_balance: Money::from_fen(1_000_000),
            default_buyer_limit: Money::from_fen(200_000),
            bill_url_ttl: Duration::from_secs(30),
            store: None,
            notify_lease: Duration::from_secs(20),
            signature_cache_slots: 4096,
        }
    }
}

/// A registered app as cached by the gateway: its record, parsed public key and mode settings.
pub(crate) type CachedApp = (store::AppRecord, PublicKey, Arc<modes::AppModes>);

/// Shared state of a running sandbox.
pub(crate) struct SandboxState {
    pub(crate) store: Arc<Store>,
    pub(crate) alipay_key: PrivateKey,
    pub(crate) clock: Clock,
    pub(crate) config: Config,
    pub(crate) faults: Faults,
    pub(crate) wake: Arc<Notify>,
    pub(crate) data_dir: PathBuf,
    /// Registered apps with their parsed public keys and mode settings, by app id: read once, since an app never
    /// changes after registration (reset clears it). Saves store reads and a key parse per request.
    pub(crate) apps: Mutex<HashMap<String, CachedApp>>,
    /// The admin API's bearer token (required when the listener is not loopback). Never logged.
    pub(crate) admin_token: Arc<str>,
    /// The request inspector's bounded history of gateway calls.
    pub(crate) calls: console::inspector::CallLog,
    /// The durable call log's writer ([`store::calls`]).
    pub(crate) journal: store::calls::CallJournal,
    /// The CA and the Alipay certificates (cert mode, [`modes`]).
    pub(crate) authority: Arc<modes::Authority>,
    /// The shared-state generation this process last loaded ([`shared`]).
    pub(crate) seen: shared::Seen,
    /// Signatures of answers already signed: an answer byte-for-byte equal to an earlier one (a poll of an
    /// unchanged trade) is not signed again (`alipay_core::sign_cache`); no slots: off.
    pub(crate) signatures: alipay_core::sign_cache::SignatureCache,
}

impl std::fmt::Debug for SandboxState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxState").field("data_dir", &self.data_dir).finish_non_exhaustive()
    }
}

/// A sandbox opened on a data directory.
#[derive(Debug, Clone)]
pub struct Sandbox {
    state: Arc<SandboxState>,
}

impl Sandbox {
    /// Opens `dir` (creating it, the database, the sandbox's Alipay key pair, and on first start a default
    /// app with its own key pair, its merchant and a buyer).
    pub async fn open(dir: &Path, config: Config) -> Result<Sandbox, SandboxError> {
        std::fs::create_dir_all(dir).map_err(io_err(format!("cannot create {}", dir.display())))?;
        let store = Arc::new(match &config.store {
            Some(url) => Store::connect(url, products::COMPONENTS).await?,
            None => Store::open(&dir.join("sandbox.db"), products::COMPONENTS)?,
        });
        let have_key = store.read(|r| r.meta(meta_keys::ALIPAY_KEY)).await?.is_some();
        if !have_key {
            let alipay_key = PrivateKey::generate()?;
            let app_key = PrivateKey::generate()?;
            seed(&store, alipay_key, app_key, &config).await?;
        }
        let (key_text, offset) =
            store.read(|r| Ok((r.meta(meta_keys::ALIPAY_KEY)?, r.meta(clock::OFFSET_KEY)?))).await?;
        let alipay_key = PrivateKey::from_text(&key_text.unwrap_or_default())?;
        let offset = offset.and_then(|o| o.parse().ok()).unwrap_or(0);
        let admin_token = admin::ensure_token(&store).await?;
        let authority = Arc::new(modes::Authority::load_or_create(&store, &alipay_key).await?);
        Ok(Sandbox {
            state: Arc::new(SandboxState {
                signatures: alipay_core::sign_cache::SignatureCache::new(config.signature_cache_slots),
                store,
                alipay_key,
                clock: Clock::with_offset(offset),
                config,
                faults: Faults::default(),
                wake: Arc::new(Notify::new()),
                data_dir: dir.to_owned(),
                apps: Mutex::new(HashMap::new()),
                admin_token: admin_token.into(),
                calls: console::inspector::CallLog::default(),
                journal: store::calls::CallJournal::default(),
                authority,
                seen: shared::Seen::default(),
            }),
        })
    }

    /// The gateway (`/gateway.do`), the controls (`/admin/...`) and the operator console (`/`) as
    /// one router, the controls and the console open (as on a loopback listener; see [`Sandbox::router_for`]).
    pub fn router(&self) -> axum::Router {
        self.in_step(
            gateway::router(Arc::clone(&self.state))
                .merge(self.admin_router())
                .merge(console::router(Arc::clone(&self.state))),
        )
    }

    /// On a shared store, `router` with the shared state read again before every request ([`shared`]).
    fn in_step(&self, router: axum::Router) -> axum::Router {
        if self.state.store.is_shared() {
            router.layer(axum::middleware::from_fn_with_state(Arc::clone(&self.state), shared::middleware))
        } else {
            router
        }
    }

    /// The router for a listener on `addr`: on a non-loopback address (`0.0.0.0` and `::` included) every
    /// `/admin/...` route, every console page and the wallet need the admin token (`admin::require_token`: the
    /// bearer header, or the cookie a browser gets from `?token=`); the gateway, the cashier and bill downloads
    /// never do.
    pub fn router_for(&self, addr: SocketAddr) -> axum::Router {
        // The console and the wallet are the operator's surface (issue 10): behind the token like the controls.
        let controls = self
            .admin_router()
            .merge(console::router(Arc::clone(&self.state)))
            .merge(cashier::wallet_router(Arc::clone(&self.state)));
        let controls = if admin::token_required(addr) {
            admin::with_token(controls, Arc::clone(&self.state.admin_token))
        } else {
            controls
        };
        self.in_step(
            gateway::router(Arc::clone(&self.state)).merge(cashier::router(Arc::clone(&self.state))).merge(controls),
        )
    }

    fn admin_router(&self) -> axum::Router {
        admin::router(Arc::clone(&self.state))
            .merge(products::admin_router(Arc::clone(&self.state)))
            .merge(accept::router(Arc::clone(&self.state)))
    }

    /// The admin API's bearer token (made at first start, kept in the store; also in `app.json`).
    pub fn admin_token(&self) -> &str {
        &self.state.admin_token
    }

    /// The shared store's URL (its password hidden), or `None` for the embedded SQLite store in the data
    /// directory.
    pub fn store_display(&self) -> Option<String> {
        self.state.store.display()
    }

    /// The sandbox's Alipay public key.
    pub fn alipay_public_key(&self) -> &PublicKey {
        self.state.alipay_key.public_key()
    }

    /// Reads the default app's details; `gateway_url` is filled in from `addr`.
    pub async fn app_json(&self, addr: SocketAddr) -> Result<AppJson, SandboxError> {
        app_json(&self.state, addr).await
    }

    /// Binds `listen`, writes `DIR/app.json`, and serves the gateway, the notification worker and the
    /// timeout sweeper until [`RunningSandbox::stop`].
    pub async fn start(self, listen: SocketAddr) -> Result<RunningSandbox, SandboxError> {
        let listener =
            tokio::net::TcpListener::bind(listen).await.map_err(io_err(format!("cannot listen on {listen}")))?;
        let addr = listener.local_addr().map_err(io_err("cannot read the bound address"))?;
        let info = app_json(&self.state, addr).await?;
        let path = self.state.data_dir.join("app.json");
        // Written to a temporary file and renamed into place, so a reader (a test harness, a script polling for
        // the file) never sees it half-written.
        let tmp = self.state.data_dir.join("app.json.tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(&info)?)
            .map_err(io_err(format!("cannot write {}", tmp.display())))?;
        std::fs::rename(&tmp, &path).map_err(io_err(format!("cannot write {}", path.display())))?;
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut tasks = Vec::new();

        let app = self.router_for(addr);
        let mut server_stop = stop_rx.clone();
        tasks.push(tokio::spawn(async move {
            let shutdown = async move {
                let _ = server_stop.wait_for(|s| *s).await;
            };
            if let Err(e) = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::error!(error = %e, "server stopped");
            }
        }));

        let notifier = notify::Notifier::new(
            Arc::clone(&self.state.store),
            self.state.alipay_key.clone(),
            self.state.config.notify_time_scale,
            Arc::clone(&self.state.wake),
        )
        .with_authority(Arc::clone(&self.state.authority))
        .with_lease(self.state.config.notify_lease);
        tasks.push(tokio::spawn(notifier.run(stop_rx.clone())));

        let state = Arc::clone(&self.state);
        let mut sweep_stop = stop_rx;
        tasks.push(tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(state.config.sweep_interval) => {}
                    _ = sweep_stop.wait_for(|s| *s) => return,
                }
                if let Err(e) = admin::sweep(&state).await {
                    tracing::warn!(error = %e, "timeout sweep failed");
                }
            }
        }));
        tracing::info!(%addr, data = %self.state.data_dir.display(), console = %format!("http://{addr}/"), "alipay sandbox listening");
        Ok(RunningSandbox { addr, stop: stop_tx, tasks, sandbox: self })
    }
}

/// A sandbox serving on a socket.
#[derive(Debug)]
pub struct RunningSandbox {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    sandbox: Sandbox,
}

impl RunningSandbox {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR/gateway.do`.
    pub fn gateway_url(&self) -> String {
        format!("http://{}/gateway.do", self.addr)
    }

    /// The sandbox being served.
    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }

    /// Stops serving, waits for the tasks, and closes the store.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        let store = Arc::clone(&self.sandbox.state.store);
        // What the call log still has queued is written before the store closes.
        self.sandbox.state.journal.flush(&store).await;
        drop(self.sandbox);
        let _ = tokio::task::spawn_blocking(move || store.close()).await;
    }
}

/// Options of [`serve`].
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Data directory (`--data`, default `./alipay-sandbox`).
    pub data: PathBuf,
    /// Listen address (`--listen`, default `127.0.0.1:8080`).
    pub listen: SocketAddr,
    /// Tunables.
    pub config: Config,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            data: PathBuf::from("./alipay-sandbox"),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            config: Config::default(),
        }
    }
}

/// Opens the data directory and serves until Ctrl-C.
pub async fn serve(opts: ServeOptions) -> Result<(), SandboxError> {
    let sandbox = Sandbox::open(&opts.data, opts.config).await?;
    let running = sandbox.start(opts.listen).await?;
    tracing::info!(gateway = %running.gateway_url(), "ready; app.json written to the data directory");
    let _ = tokio::signal::ctrl_c().await;
    running.stop().await;
    Ok(())
}
