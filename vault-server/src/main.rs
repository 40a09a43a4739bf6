//! `vault-server`: serve the API, create the first platform admin, write an audit export, or
//! print example settings.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;
use vault_server::{App, Settings};

#[derive(Parser)]
#[command(version, about = "Sealed case-file vault server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// How log lines are written to stderr.
    #[arg(
        long,
        global = true,
        env = "VAULT_LOG_FORMAT",
        value_enum,
        default_value_t
    )]
    log_format: vault_server::telemetry::LogFormat,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API.
    Serve(ServerArgs),
    /// Create a platform admin account directly in the database.
    BootstrapAdmin {
        #[command(flatten)]
        server: ServerArgs,
        /// The admin's login e-mail.
        #[arg(long)]
        email: String,
        /// File holding the password (first line); otherwise `VAULT_ADMIN_PASSWORD`.
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// Write what an auditor needs to check the platform offline (the log, key directory,
    /// envelopes, statements and ciphertext objects, nothing else) into a new directory.
    ExportAudit {
        #[command(flatten)]
        server: ServerArgs,
        /// The directory to write; it must not exist yet or be empty.
        #[arg(long)]
        out: PathBuf,
    },
    /// Print an example settings file with every default.
    PrintConfig,
}

#[derive(Args)]
struct ServerArgs {
    /// Address to listen on.
    #[arg(long, env = "VAULT_BIND", default_value = vault_server::settings::DEFAULT_BIND)]
    bind: SocketAddr,
    /// Directory for the embedded database and object store.
    #[arg(long, env = "VAULT_DATA_DIR", default_value = "./vault-data")]
    data_dir: PathBuf,
    /// Database URL (default: a `SQLite` file in the data directory).
    #[arg(long, env = "VAULT_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// Object store URL (default: file:// directory in the data directory).
    #[arg(long, env = "VAULT_OBJECT_STORE_URL", hide_env_values = true)]
    object_store_url: Option<String>,
    #[command(flatten)]
    s3: S3Args,
    /// Largest document ciphertext accepted, in bytes.
    #[arg(
        long,
        env = "VAULT_MAX_UPLOAD_BYTES",
        default_value_t = vault_server::settings::DEFAULT_MAX_UPLOAD_BYTES
    )]
    max_upload_bytes: u64,
    /// Login token lifetime in seconds.
    #[arg(
        long,
        env = "VAULT_TOKEN_TTL_SECS",
        default_value_t = vault_server::settings::DEFAULT_TOKEN_TTL_SECS
    )]
    token_ttl_secs: u64,
    /// Bearer token `GET /metrics` requires (prefer the environment variable to the flag).
    #[arg(long, env = "VAULT_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
    /// Seconds requests in flight get to finish at shutdown before uploads are aborted.
    #[arg(
        long,
        env = "VAULT_SHUTDOWN_GRACE_SECS",
        default_value_t = vault_server::settings::DEFAULT_SHUTDOWN_GRACE_SECS
    )]
    shutdown_grace_secs: u64,
    /// Seconds an upload's body, or an upload in parts, may stay silent before it is abandoned.
    #[arg(
        long,
        env = "VAULT_UPLOAD_IDLE_SECS",
        default_value_t = vault_server::settings::DEFAULT_UPLOAD_IDLE_SECS
    )]
    upload_idle_secs: u64,
    /// Name of the append-only log, pinned by clients with the log key; never change it.
    #[arg(
        long,
        env = "VAULT_LOG_ORIGIN",
        default_value = vault_server::settings::DEFAULT_LOG_ORIGIN
    )]
    log_origin: String,
    /// The log signing key file, made at first start if missing (default: in the data dir).
    #[arg(long, env = "VAULT_LOG_KEY_FILE")]
    log_key_file: Option<PathBuf>,
    /// Address people open the web app at; `https://` makes session cookies Secure.
    #[arg(long, env = "VAULT_PUBLIC_URL")]
    public_url: Option<url::Url>,
    /// Seconds a browser session may stay unused before it ends.
    #[arg(
        long,
        env = "VAULT_SESSION_IDLE_SECS",
        default_value_t = vault_server::settings::DEFAULT_SESSION_IDLE_SECS
    )]
    session_idle_secs: u64,
    /// Registrations one client address may make in an hour (founding managers excepted).
    #[arg(
        long,
        env = "VAULT_REGISTRATIONS_PER_HOUR",
        default_value_t = vault_server::settings::DEFAULT_REGISTRATIONS_PER_HOUR
    )]
    registrations_per_hour: u32,
    /// Header a load balancer sets to the client's address, for login throttling.
    #[arg(long, env = "VAULT_CLIENT_ADDRESS_HEADER")]
    client_address_header: Option<String>,
    /// SMTP server for notification e-mail (prefer the environment variable to the flag).
    #[arg(long, env = "VAULT_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// Sender of notification e-mail.
    #[arg(
        long,
        env = "VAULT_MAIL_FROM",
        default_value = vault_server::settings::DEFAULT_MAIL_FROM
    )]
    mail_from: String,
}

impl ServerArgs {
    fn settings(self) -> Settings {
        Settings {
            bind: self.bind,
            data_dir: self.data_dir,
            database_url: self.database_url,
            object_store_url: self.object_store_url,
            s3: self.s3.settings(),
            max_upload_bytes: self.max_upload_bytes,
            token_ttl_secs: self.token_ttl_secs,
            metrics_token: self.metrics_token.map(secrecy::SecretString::from),
            shutdown_grace_secs: self.shutdown_grace_secs,
            upload_idle_secs: self.upload_idle_secs,
            log_origin: self.log_origin,
            log_key_file: self.log_key_file,
            public_url: self.public_url,
            session_idle_secs: self.session_idle_secs,
            registrations_per_hour: self.registrations_per_hour,
            client_address_header: self.client_address_header,
            smtp_url: self.smtp_url.map(secrecy::SecretString::from),
            mail_from: self.mail_from,
        }
    }
}

/// How to reach an `s3://` object store; each is required with such a URL.
#[derive(Args)]
struct S3Args {
    /// S3 endpoint URL, `https://host[:port]`.
    #[arg(long = "s3-endpoint", env = "VAULT_S3_ENDPOINT")]
    endpoint: Option<String>,
    /// S3 signing region.
    #[arg(long = "s3-region", env = "VAULT_S3_REGION")]
    region: Option<String>,
    /// S3 access key id.
    #[arg(
        long = "s3-access-key-id",
        env = "VAULT_S3_ACCESS_KEY_ID",
        hide_env_values = true
    )]
    access_key_id: Option<String>,
    /// S3 secret access key (prefer the environment variable to the flag).
    #[arg(
        long = "s3-secret-access-key",
        env = "VAULT_S3_SECRET_ACCESS_KEY",
        hide_env_values = true
    )]
    secret_access_key: Option<String>,
    /// Accept an `http://` S3 endpoint; only for a loopback address.
    #[arg(long = "s3-allow-http", env = "VAULT_S3_ALLOW_HTTP")]
    allow_http: bool,
}

impl S3Args {
    fn settings(self) -> vault_server::settings::S3Settings {
        vault_server::settings::S3Settings {
            endpoint: self.endpoint,
            region: self.region,
            access_key_id: self.access_key_id,
            secret_access_key: self.secret_access_key.map(SecretString::from),
            allow_http: self.allow_http,
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    vault_server::telemetry::init(cli.log_format);
    match cli.command {
        Command::Serve(args) => serve(args.settings()).await,
        Command::BootstrapAdmin {
            server,
            email,
            password_file,
        } => {
            let password = match password_file {
                Some(path) => std::fs::read_to_string(&path)
                    .context("reading the password file")?
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
                None => std::env::var("VAULT_ADMIN_PASSWORD")
                    .context("give --password-file or set VAULT_ADMIN_PASSWORD")?,
            };
            let app = App::one_shot(server.settings()).await?;
            let id = app.bootstrap_admin(&email, &password).await?;
            println!("platform admin created: {id}");
            Ok(())
        }
        Command::ExportAudit { server, out } => {
            let manifest = vault_server::export::run(server.settings(), &out).await?;
            println!(
                "audit export written to {}: {} log leaves, {} objects",
                out.display(),
                manifest.tree_size,
                manifest.counts.objects
            );
            Ok(())
        }
        Command::PrintConfig => {
            print!("{}", Settings::example());
            Ok(())
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    tracing::info!(settings = ?settings, "starting");
    let bind = settings.bind;
    let app = App::new(settings).await?;
    // On stdout as well as in the log, so an operator can hand it to clients and auditors.
    println!("log public key: {}", app.log_vkey());
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .context("binding the address")?;
    tracing::info!(address = %bind, "listening");
    app.serve_with_shutdown(listener, vault_server::shutdown::signal())
        .await?;
    tracing::info!("stopped");
    Ok(())
}
