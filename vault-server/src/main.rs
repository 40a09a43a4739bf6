//! `vault-server`: serve the API, create the first platform admin, or print example settings.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use vault_server::{App, Settings};

#[derive(Parser)]
#[command(version, about = "Sealed case-file vault server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
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
    /// Largest document ciphertext accepted, in bytes.
    #[arg(long, env = "VAULT_MAX_UPLOAD_BYTES", default_value_t = vault_server::settings::DEFAULT_MAX_UPLOAD_BYTES)]
    max_upload_bytes: u64,
    /// Login token lifetime in seconds.
    #[arg(long, env = "VAULT_TOKEN_TTL_SECS", default_value_t = vault_server::settings::DEFAULT_TOKEN_TTL_SECS)]
    token_ttl_secs: u64,
    /// Bearer token `GET /metrics` requires (prefer the environment variable to the flag).
    #[arg(long, env = "VAULT_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
}

impl ServerArgs {
    fn settings(self) -> Settings {
        Settings {
            bind: self.bind,
            data_dir: self.data_dir,
            database_url: self.database_url,
            object_store_url: self.object_store_url,
            max_upload_bytes: self.max_upload_bytes,
            token_ttl_secs: self.token_ttl_secs,
            metrics_token: self.metrics_token.map(secrecy::SecretString::from),
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    vault_server::telemetry::init();
    match Cli::parse().command {
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
            let app = App::new(server.settings()).await?;
            let id = app.bootstrap_admin(&email, &password).await?;
            println!("platform admin created: {id}");
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
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .context("binding the address")?;
    tracing::info!(address = %bind, "listening");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
    };
    app.serve_with_shutdown(listener, shutdown).await?;
    Ok(())
}
