//! The subcommands.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use alipay_client::{AlipayClient, CallOptions};
use alipay_core::{sign_content, Charset, PrivateKey, PublicKey, SignScope, SignType};
use clap::{Args, Parser, Subcommand};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The Alipay Open Platform from the command line.
#[derive(Debug, Parser)]
#[command(name = "alipay", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate a 2048-bit app key pair (PKCS#8 private key, SPKI public key; PEM and base64 one-liners).
    Keygen {
        /// Write app_private_key.pem and app_public_key.pem here instead of printing them.
        #[arg(long)]
        out_dir: Option<PathBuf>,
    },
    /// Print the sign content of the given parameters and its signature.
    Sign {
        /// The private key file (PEM or base64; PKCS#1 or PKCS#8).
        #[arg(long)]
        key: PathBuf,
        #[command(flatten)]
        input: SignInput,
    },
    /// Verify a signature over the given parameters or content.
    Verify {
        /// The public key file (PEM or base64; SPKI or PKCS#1).
        #[arg(long)]
        public_key: PathBuf,
        /// The base64 signature.
        #[arg(long)]
        signature: String,
        #[command(flatten)]
        input: SignInput,
    },
    /// Call any gateway method and print the verified answer.
    Call {
        /// The method, e.g. alipay.trade.query.
        method: String,
        #[command(flatten)]
        config: ConfigArg,
        /// biz_content as JSON.
        #[arg(long)]
        biz_content: Option<String>,
        /// A top-level business parameter, k=v (repeatable), e.g. for the legacy EBPP methods.
        #[arg(long = "param", value_parser = parse_pair)]
        params: Vec<(String, String)>,
        /// Act for a merchant with its app_auth_token.
        #[arg(long)]
        app_auth_token: Option<String>,
        /// notify_url for this call.
        #[arg(long)]
        notify_url: Option<String>,
        /// Print only the verified response object, as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run the local Alipay gateway (the sandbox) on an embedded, persistent store.
    ///
    /// On first start it creates DIR, the store, the sandbox's Alipay key pair, a default app (with its own
    /// key pair), its merchant and a buyer, and writes the credentials a client needs to DIR/app.json (the
    /// CLI's --config format). A restart on the same DIR keeps everything.
    Sandbox(SandboxArgs),
    /// Drive the running sandbox's simulation controls (admin API), e.g. `alipay admin trades/scan
    /// '{"qr_code":"https://qr.alipay.com/..."}'`. With a JSON body the request is a POST, otherwise a GET.
    Admin {
        #[command(flatten)]
        config: ConfigArg,
        /// The admin route below /admin/, e.g. `buyers`, `trades/scan`, `clock/advance`, `faults`.
        path: String,
        /// The JSON body.
        body: Option<String>,
        /// Override the HTTP method (GET, POST, DELETE).
        #[arg(long)]
        method: Option<String>,
    },
    /// Notifications.
    Notify {
        #[command(subcommand)]
        command: NotifyCommand,
    },
    /// Acceptance checks: does the integration follow Alipay's rules? (`list`, `lint`)
    Accept {
        #[command(subcommand)]
        command: crate::accept::AcceptCommand,
    },
    /// Certificate mode (公钥证书模式) helpers.
    Cert {
        #[command(subcommand)]
        command: CertCommand,
    },
}

#[derive(Debug, Subcommand)]
enum CertCommand {
    /// Print a certificate's SN (app_cert_sn / alipay_cert_sn): lowercase hex MD5 of the RFC 2253 issuer and
    /// the decimal serial, as Alipay's SDKs compute it. A file holding a chain gives its first certificate's SN.
    Sn {
        /// The PEM file.
        file: PathBuf,
        /// The file is the root bundle (alipayRootCert.crt): print alipay_root_cert_sn, the SNs of its
        /// RSA-signed roots joined with `_`.
        #[arg(long)]
        root: bool,
        /// Also print each certificate's subject, issuer, serial, signature algorithm and SN (on stderr).
        #[arg(long, short)]
        verbose: bool,
    },
}

#[derive(Debug, Subcommand)]
enum NotifyCommand {
    /// Verify a notification body (V1 rule) and print its parameters.
    Verify {
        #[command(flatten)]
        config: ConfigArg,
        /// The raw form body, from a file or `-` for standard input.
        #[arg(long, default_value = "-")]
        body: String,
        /// The request's Content-Type header (its charset wins).
        #[arg(long)]
        content_type: Option<String>,
        /// Use the V2 rule (only `sign` excluded).
        #[arg(long)]
        v2: bool,
    },
}

#[derive(Debug, Args)]
struct SandboxArgs {
    /// Data directory.
    #[arg(long, default_value = "./alipay-sandbox")]
    data: PathBuf,
    /// Listen address; the gateway is at http://HOST:PORT/gateway.do.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: std::net::SocketAddr,
    /// Accepted distance, in seconds, between a request's timestamp and the clock.
    #[arg(long, default_value_t = 1800)]
    timestamp_skew: i64,
    /// Multiplier of notification retry intervals (1 = Alipay's real 4m, 10m, ... schedule).
    #[arg(long, default_value_t = 1.0)]
    notify_time_scale: f64,
    /// Keep the state in this PostgreSQL database (postgres://USER:PASSWORD@HOST:PORT/DB) instead of SQLite in
    /// --data. Instances started with the same --store share one state (apps, keys, trades, clock, faults,
    /// notifications); each still writes its own --data/app.json.
    #[arg(long, env = "ALIPAY_SANDBOX_STORE", hide_env_values = true)]
    store: Option<String>,
    /// Seconds a notification claimed by this instance for delivery stays with it; with --store, another
    /// instance delivers the claims of one that died after this. Keep it above 15 (one attempt's timeout).
    #[arg(long, default_value_t = 20)]
    notify_lease_secs: u64,
    /// Slots of the cache of answer signatures (0: off). An answer byte-for-byte equal to one already signed
    /// (a poll of an unchanged trade) reuses its signature: RSA PKCS#1 v1.5 signatures are deterministic.
    #[arg(long, default_value_t = 4096)]
    signature_cache: usize,
}

#[derive(Debug, Args)]
pub(crate) struct ConfigArg {
    /// The client configuration (the local gateway's app.json works as it is).
    #[arg(long, env = "ALIPAY_CONFIG", default_value = "alipay-sandbox/app.json")]
    pub(crate) config: PathBuf,
}

#[derive(Debug, Args)]
struct SignInput {
    /// RSA2 (SHA256withRSA) or RSA (SHA1withRSA).
    #[arg(long, default_value = "RSA2")]
    sign_type: String,
    /// The charset the content is encoded in before signing.
    #[arg(long, default_value = "utf-8")]
    charset: String,
    /// A parameter, k=v (repeatable); the request sign content is built from them.
    #[arg(long = "param", value_parser = parse_pair)]
    params: Vec<(String, String)>,
    /// Sign this exact content instead of building one from --param.
    #[arg(long, conflicts_with = "params")]
    content: Option<String>,
}

fn parse_pair(s: &str) -> std::result::Result<(String, String), String> {
    s.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())).ok_or_else(|| format!("{s:?} is not k=v"))
}

impl SignInput {
    fn resolve(&self) -> Result<(SignType, Charset, String)> {
        let st: SignType = self.sign_type.parse()?;
        let cs: Charset = self.charset.parse()?;
        let content = match &self.content {
            Some(c) => c.clone(),
            None => sign_content(SignScope::Request, self.params.iter().map(|(k, v)| (k, v))),
        };
        Ok((st, cs, content))
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Keygen { out_dir } => keygen(out_dir),
        Command::Sign { key, input } => {
            let key = PrivateKey::from_text(&std::fs::read_to_string(&key)?)?;
            let (st, cs, content) = input.resolve()?;
            let sign = key.sign(st, &cs.encode(&content)?)?;
            println!("sign content: {content}");
            println!("sign: {sign}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify { public_key, signature, input } => {
            let key = PublicKey::from_text(&std::fs::read_to_string(&public_key)?)?;
            let (st, cs, content) = input.resolve()?;
            println!("sign content: {content}");
            key.verify(st, &cs.encode(&content)?, &signature)?;
            println!("signature OK");
            Ok(ExitCode::SUCCESS)
        }
        Command::Call { method, config, biz_content, params, app_auth_token, notify_url, json } => {
            let client = AlipayClient::from_config_file(&config.config)?;
            let biz = biz_content.as_deref().map(serde_json::from_str::<serde_json::Value>).transpose()?;
            let options = CallOptions { app_auth_token, notify_url, return_url: None, encrypt: None };
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            let answer = runtime.block_on(client.call_raw(&method, biz.as_ref(), &params, &options))?;
            let object = serde_json::to_value(&answer)?;
            if json {
                println!("{object}");
            } else {
                println!("{} (response verified)", answer.status);
                println!("{}", serde_json::to_string_pretty(&object)?);
            }
            Ok(if answer.status.is_success() { ExitCode::SUCCESS } else { ExitCode::from(2) })
        }
        Command::Cert { command: CertCommand::Sn { file, root, verbose } } => cert_sn(&file, root, verbose),
        Command::Sandbox(args) => sandbox(args),
        Command::Accept { command } => crate::accept::run(command),
        Command::Admin { config, path, body, method } => admin(&config, &path, body, method),
        Command::Notify { command: NotifyCommand::Verify { config, body, content_type, v2 } } => {
            let client = AlipayClient::from_config_file(&config.config)?;
            let bytes = if body == "-" {
                let mut buf = Vec::new();
                std::io::stdin().read_to_end(&mut buf)?;
                buf
            } else {
                std::fs::read(&body)?
            };
            let verified = if v2 {
                client.verify_notification_v2(&bytes, content_type.as_deref())?
            } else {
                client.verify_notification(&bytes, content_type.as_deref())?
            };
            println!("notification verified");
            for (k, v) in verified.params() {
                println!("{k}={v}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn cert_sn(file: &std::path::Path, root: bool, verbose: bool) -> Result<ExitCode> {
    use alipay_core::cert::{Certificate, RootCerts};
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let certs = Certificate::all_from_pem(&text)?;
    if verbose {
        for (i, c) in certs.iter().enumerate() {
            eprintln!(
                "#{i} subject: {}\n   issuer:  {}\n   serial:  {}\n   sig alg: {}{}\n   sn:      {}",
                c.subject(),
                c.issuer(),
                c.serial_decimal(),
                c.signature_algorithm(),
                if c.is_rsa_signed() { " (RSA)" } else { "" },
                c.sn()
            );
        }
    }
    let sn = if root {
        RootCerts::new(certs).sn().to_owned()
    } else {
        certs.first().map(|c| c.sn().to_owned()).unwrap_or_default()
    };
    println!("{sn}");
    Ok(ExitCode::SUCCESS)
}

fn sandbox(args: SandboxArgs) -> Result<ExitCode> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    let config = alipay_sandbox::Config {
        timestamp_skew_secs: args.timestamp_skew,
        notify_time_scale: args.notify_time_scale,
        store: args.store.clone(),
        notify_lease: std::time::Duration::from_secs(args.notify_lease_secs),
        signature_cache_slots: args.signature_cache,
        ..Default::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let sandbox = alipay_sandbox::Sandbox::open(&args.data, config).await?;
        let running = sandbox.start(args.listen).await?;
        let app_json = args.data.join("app.json");
        println!("local Alipay gateway: {}", running.gateway_url());
        if args.listen.ip().is_loopback() {
            println!("admin API:            http://{}/admin (open on loopback)", running.addr());
        } else {
            // Off loopback the controls need the token; it is printed here (and kept in app.json) for the
            // person who started the sandbox, never logged.
            println!("admin API:            http://{}/admin (Authorization: Bearer <admin_token>)", running.addr());
            println!("admin token:          {}", running.sandbox().admin_token());
        }
        println!("credentials ({}):", app_json.display());
        println!("{}", std::fs::read_to_string(&app_json)?);
        println!("try: alipay call alipay.trade.precreate --config {} \\", app_json.display());
        println!("       --biz-content '{{\"out_trade_no\":\"T1\",\"total_amount\":\"88.88\",\"subject\":\"demo\"}}'");
        match running.sandbox().store_display() {
            Some(shared) => {
                println!("Ctrl-C stops it; the state is kept in {shared} (shared by every instance on it).")
            }
            None => println!("Ctrl-C stops it; everything is kept in {}.", args.data.display()),
        }
        tokio::signal::ctrl_c().await?;
        running.stop().await;
        Ok::<_, Box<dyn std::error::Error>>(ExitCode::SUCCESS)
    })
}

fn admin(config: &ConfigArg, path: &str, body: Option<String>, method: Option<String>) -> Result<ExitCode> {
    use alipay_sandbox_admin::{AdminClient, AdminError, Method};
    // gateway_url, and admin_token when the sandbox listens on a non-loopback address
    let client = AdminClient::from_app_json(&config.config)?;
    let method = match method.as_deref().map(str::to_ascii_uppercase).as_deref() {
        Some("GET") => Method::GET,
        Some("POST") => Method::POST,
        Some("DELETE") => Method::DELETE,
        Some(other) => return Err(format!("unsupported method {other}: use GET, POST or DELETE").into()),
        None if body.is_some() => Method::POST,
        None => Method::GET,
    };
    let body = body.as_deref().map(serde_json::from_str::<serde_json::Value>).transpose()?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    match runtime.block_on(client.call(method, path, body)) {
        Ok(serde_json::Value::String(text)) => println!("{text}"),
        Ok(value) => println!("{value}"),
        Err(AdminError::Http { message, .. }) => {
            println!("{}", serde_json::json!({ "error": message }));
            return Ok(ExitCode::from(1));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(ExitCode::SUCCESS)
}

fn keygen(out_dir: Option<PathBuf>) -> Result<ExitCode> {
    let key = PrivateKey::generate()?;
    match out_dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir)?;
            let private = dir.join("app_private_key.pem");
            write_private(&private, &key.to_pkcs8_pem())?;
            std::fs::write(dir.join("app_public_key.pem"), key.public_key().to_spki_pem())?;
            println!("wrote {} and {}", private.display(), dir.join("app_public_key.pem").display());
            println!("upload this app public key to the open platform:\n{}", key.public_key().to_spki_base64());
        }
        None => {
            println!("{}", key.to_pkcs8_pem());
            println!("{}", key.public_key().to_spki_pem());
            println!("app private key (PKCS#8 one-liner, \"for Java\"):\n{}\n", key.to_pkcs8_base64());
            println!("app public key (upload this):\n{}", key.public_key().to_spki_base64());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn write_private(path: &std::path::Path, pem: &str) -> Result<()> {
    #[cfg(unix)]
    {
        use std::io::Write as _;
        use std::os::unix::fs::OpenOptionsExt as _;
        let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
        f.write_all(pem.as_bytes())?;
        Ok(())
    }
    #[cfg(not(unix))]
    {
        std::fs::write(path, pem)?;
        Ok(())
    }
}
