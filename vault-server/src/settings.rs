//! Server settings: one struct, defaults in code, filled from flags and `VAULT_` variables.
//!
//! The embedded default keeps everything under one data directory: a SQLite file and a
//! local-disk object store, so that `vault-server serve` needs nothing else installed.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use secrecy::SecretString;

/// Default upload limit: 4 GiB of ciphertext per document.
pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 4 * 1024 * 1024 * 1024;
/// Default bearer token lifetime: 12 hours.
pub const DEFAULT_TOKEN_TTL_SECS: u64 = 12 * 60 * 60;
/// Default time requests in flight get to finish at shutdown: 30 seconds.
pub const DEFAULT_SHUTDOWN_GRACE_SECS: u64 = 30;
/// Default longest silence inside an upload's body: 60 seconds.
pub const DEFAULT_UPLOAD_IDLE_SECS: u64 = 60;
/// Default listening address: loopback only, so a fresh install is not reachable from outside.
pub const DEFAULT_BIND: &str = "127.0.0.1:8088";
/// Default name of the Merkle log, the first line of every checkpoint and its key's name.
pub const DEFAULT_LOG_ORIGIN: &str = "case-vault.localhost/log";
/// File name of the log signing key inside the data directory, when no path is given.
pub const DEFAULT_LOG_KEY_FILE_NAME: &str = "log-signing-key.p8";
/// Default idle limit of a browser session: 1 hour without a request ends it.
pub const DEFAULT_SESSION_IDLE_SECS: u64 = 60 * 60;
/// Registrations one client address may make in an hour, by default.
pub const DEFAULT_REGISTRATIONS_PER_HOUR: u32 = 10;
/// Default sender address of the app's e-mail.
pub const DEFAULT_MAIL_FROM: &str = "Case vault <no-reply@case-vault.localhost>";

/// Everything the server can be told.
#[derive(Clone)]
pub struct Settings {
    /// Address to listen on (`--bind`, `VAULT_BIND`).
    pub bind: SocketAddr,
    /// Directory holding the default database and object store (`--data-dir`,
    /// `VAULT_DATA_DIR`).
    pub data_dir: PathBuf,
    /// Database URL (`--database-url`, `VAULT_DATABASE_URL`): `sqlite://<file>` for the
    /// embedded database, `postgres://` or `postgresql://` for a PostgreSQL database several
    /// replicas can share. `None` means `sqlite://<data_dir>/vault.sqlite3`. May hold a
    /// password, so `Debug` masks it.
    pub database_url: Option<String>,
    /// Object store URL (`--object-store-url`, `VAULT_OBJECT_STORE_URL`): `file:///<dir>`,
    /// `memory://` (nothing kept, for trials) or `s3://<bucket>[/<prefix>]` for an
    /// S3-compatible store several replicas can share, reached with [`Settings::s3`]. `None`
    /// means `file://<data_dir>/objects`. `Debug` masks it.
    pub object_store_url: Option<String>,
    /// How to reach the S3-compatible store named by an `s3://` object store URL.
    pub s3: S3Settings,
    /// Largest accepted document ciphertext in bytes (`--max-upload-bytes`,
    /// `VAULT_MAX_UPLOAD_BYTES`).
    pub max_upload_bytes: u64,
    /// Lifetime of a login token in seconds (`--token-ttl-secs`, `VAULT_TOKEN_TTL_SECS`).
    pub token_ttl_secs: u64,
    /// Bearer token a Prometheus scraper must send to `GET /metrics` (`--metrics-token`,
    /// `VAULT_METRICS_TOKEN`); `None` leaves `/metrics` open, for a port only the scraper can
    /// reach. `Debug` masks it.
    pub metrics_token: Option<secrecy::SecretString>,
    /// Seconds requests in flight get to finish after SIGTERM or Ctrl-C before uploads still
    /// running are aborted (`--shutdown-grace-secs`, `VAULT_SHUTDOWN_GRACE_SECS`).
    pub shutdown_grace_secs: u64,
    /// Longest silence, in seconds, between two pieces of an upload's body before the upload is
    /// abandoned as if its client had gone, leaving nothing behind; also how long an upload in
    /// parts may go unused before it is ended the same way (`--upload-idle-secs`,
    /// `VAULT_UPLOAD_IDLE_SECS`).
    pub upload_idle_secs: u64,
    /// Name of the Merkle log (`--log-origin`, `VAULT_LOG_ORIGIN`): the first line of every
    /// checkpoint and the name of the log's key. Clients and auditors pin it with the key, so
    /// it must never change once the log has leaves.
    pub log_origin: String,
    /// The log signing key, an Ed25519 PKCS#8 file (`--log-key-file`, `VAULT_LOG_KEY_FILE`),
    /// created with mode 0600 at first start when missing. Replicas must share it. `None` means
    /// `<data_dir>/log-signing-key.p8`. The path is shown by `Debug`, the key never is.
    pub log_key_file: Option<PathBuf>,
    /// The address people open the web app at (`--public-url`, `VAULT_PUBLIC_URL`), such as
    /// `https://vault.example.org`. Used for links in e-mail; when it is `https://`, session
    /// cookies are marked Secure and pages send Strict-Transport-Security. `None` means
    /// `http://<bind>`, for a trial on one machine.
    pub public_url: Option<url::Url>,
    /// Seconds a browser session may stay unused before it ends (`--session-idle-secs`,
    /// `VAULT_SESSION_IDLE_SECS`); a session ends after `token_ttl_secs` in any case.
    pub session_idle_secs: u64,
    /// Registrations (web form and `POST /v1/register`) one client address may make in an
    /// hour (`--registrations-per-hour`, `VAULT_REGISTRATIONS_PER_HOUR`). A founding manager
    /// with a valid invitation code is never held up by it.
    pub registrations_per_hour: u32,
    /// Request header carrying the client's address, set by a load balancer in front
    /// (`--client-address-header`, `VAULT_CLIENT_ADDRESS_HEADER`, such as `x-forwarded-for`;
    /// its first address is taken). `None` means the connection's own address. Login
    /// throttling per address counts by it, so set it only behind a proxy that overwrites it.
    pub client_address_header: Option<String>,
    /// SMTP server for notification e-mail (`--smtp-url`, `VAULT_SMTP_URL`), such as
    /// `smtps://user:password@smtp.example.org` or `smtp://127.0.0.1:2525` (plain, for a relay
    /// on the same machine). `None` keeps notifications in the app; their e-mail waits in the
    /// outbox, which platform admins can read. May hold a password, so `Debug` masks it.
    pub smtp_url: Option<SecretString>,
    /// Sender of notification e-mail (`--mail-from`, `VAULT_MAIL_FROM`).
    pub mail_from: String,
}

impl Settings {
    /// All defaults, with data kept under `dir`.
    pub fn for_data_dir(dir: impl Into<PathBuf>) -> Self {
        Self {
            bind: DEFAULT_BIND
                .parse()
                .unwrap_or_else(|_| ([127, 0, 0, 1], 8088).into()),
            data_dir: dir.into(),
            database_url: None,
            object_store_url: None,
            s3: S3Settings::default(),
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
            token_ttl_secs: DEFAULT_TOKEN_TTL_SECS,
            metrics_token: None,
            shutdown_grace_secs: DEFAULT_SHUTDOWN_GRACE_SECS,
            upload_idle_secs: DEFAULT_UPLOAD_IDLE_SECS,
            log_origin: DEFAULT_LOG_ORIGIN.to_owned(),
            log_key_file: None,
            public_url: None,
            session_idle_secs: DEFAULT_SESSION_IDLE_SECS,
            registrations_per_hour: DEFAULT_REGISTRATIONS_PER_HOUR,
            client_address_header: None,
            smtp_url: None,
            mail_from: DEFAULT_MAIL_FROM.to_owned(),
        }
    }

    /// Whether people reach the app over TLS, so cookies must be Secure.
    #[must_use]
    pub fn served_over_tls(&self) -> bool {
        self.public_url
            .as_ref()
            .is_some_and(|u| u.scheme() == "https")
    }

    /// The app's base address for links in e-mail, without a trailing slash.
    #[must_use]
    pub fn base_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.as_str().trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.bind),
        }
    }

    /// The log signing key file: the one given, or the default in the data directory.
    #[must_use]
    pub fn log_key_path(&self) -> PathBuf {
        self.log_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join(DEFAULT_LOG_KEY_FILE_NAME))
    }

    /// The database file used when no URL is given.
    #[must_use]
    pub fn default_database_path(&self) -> PathBuf {
        self.data_dir.join("vault.sqlite3")
    }

    /// The object store directory used when no URL is given.
    #[must_use]
    pub fn default_object_dir(&self) -> PathBuf {
        self.data_dir.join("objects")
    }

    /// An example environment file with every setting and its default.
    #[must_use]
    pub fn example() -> String {
        format!(
            "# vault-server settings; every line is optional.\n\
             # Address to listen on.\nVAULT_BIND={DEFAULT_BIND}\n\
             # Directory for the embedded SQLite file and local object store.\n\
             VAULT_DATA_DIR=./vault-data\n\
             # Database URL; default is a SQLite file in the data directory. PostgreSQL:\n\
             # postgres://USER:PASSWORD@HOST:5432/DATABASE, or over a Unix socket\n\
             # postgresql:///DATABASE?host=/run/postgresql\n\
             # VAULT_DATABASE_URL=sqlite://./vault-data/vault.sqlite3\n\
             # Object store URL (file://, memory://, s3://BUCKET/PREFIX); default is a\n\
             # directory in the data dir.\n\
             # VAULT_OBJECT_STORE_URL=file:///srv/vault/objects\n\
             # For s3:// all four below are required; nothing is taken from the machine.\n\
             # VAULT_S3_ENDPOINT=https://s3.storage.example\n\
             # VAULT_S3_REGION=eu-west-2\n\
             # VAULT_S3_ACCESS_KEY_ID=\n\
             # VAULT_S3_SECRET_ACCESS_KEY=\n\
             # Plain http to the endpoint, accepted only for a loopback address.\n\
             # VAULT_S3_ALLOW_HTTP=false\n\
             # Largest document ciphertext accepted, in bytes.\n\
             VAULT_MAX_UPLOAD_BYTES={DEFAULT_MAX_UPLOAD_BYTES}\n\
             # Lifetime of a login token, in seconds.\n\
             VAULT_TOKEN_TTL_SECS={DEFAULT_TOKEN_TTL_SECS}\n\
             # Bearer token GET /metrics requires; unset, /metrics is open (block it at the\n\
             # load balancer then).\n\
             # VAULT_METRICS_TOKEN=\n\
             # Seconds requests in flight get to finish at shutdown; uploads still running\n\
             # then are aborted and leave nothing behind.\n\
             VAULT_SHUTDOWN_GRACE_SECS={DEFAULT_SHUTDOWN_GRACE_SECS}\n\
             # Seconds an upload's body, or an upload in parts, may stay silent before the\n\
             # upload is abandoned.\n\
             VAULT_UPLOAD_IDLE_SECS={DEFAULT_UPLOAD_IDLE_SECS}\n\
             # Name of the append-only log; clients pin it with the log key, never change it.\n\
             VAULT_LOG_ORIGIN={DEFAULT_LOG_ORIGIN}\n\
             # The log signing key (PKCS#8 Ed25519), made at first start if missing; every\n\
             # replica needs the same file. Default: in the data directory.\n\
             # VAULT_LOG_KEY_FILE=./vault-data/{DEFAULT_LOG_KEY_FILE_NAME}\n\
             # Address people open the web app at; https:// makes cookies Secure.\n\
             # VAULT_PUBLIC_URL=https://vault.example.org\n\
             # Seconds a browser session may stay unused before it ends.\n\
             VAULT_SESSION_IDLE_SECS={DEFAULT_SESSION_IDLE_SECS}\n\
             # Registrations one client address may make in an hour.\n\
             VAULT_REGISTRATIONS_PER_HOUR={DEFAULT_REGISTRATIONS_PER_HOUR}\n\
             # Header a load balancer sets to the client's address (for login throttling).\n\
             # VAULT_CLIENT_ADDRESS_HEADER=x-forwarded-for\n\
             # SMTP server for notification e-mail; unset, e-mail waits in the outbox.\n\
             # VAULT_SMTP_URL=smtps://user:password@smtp.example.org\n\
             # Sender of notification e-mail.\n\
             VAULT_MAIL_FROM=\"{DEFAULT_MAIL_FROM}\"\n\
             # Log lines as text or json (one JSON object a line); RUST_LOG filters them.\n\
             VAULT_LOG_FORMAT=text\n"
        )
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self::for_data_dir("./vault-data")
    }
}

fn mask(set: bool) -> &'static str {
    if set {
        "Some(<set, masked>)"
    } else {
        "None"
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .field("database_url", &mask(self.database_url.is_some()))
            .field("object_store_url", &mask(self.object_store_url.is_some()))
            .field("s3", &self.s3)
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("token_ttl_secs", &self.token_ttl_secs)
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| "<set, masked>"),
            )
            .field("shutdown_grace_secs", &self.shutdown_grace_secs)
            .field("upload_idle_secs", &self.upload_idle_secs)
            .field("log_origin", &self.log_origin)
            .field("log_key_file", &self.log_key_file)
            .field(
                "public_url",
                &self.public_url.as_ref().map(url::Url::as_str),
            )
            .field("session_idle_secs", &self.session_idle_secs)
            .field("registrations_per_hour", &self.registrations_per_hour)
            .field("client_address_header", &self.client_address_header)
            .field("smtp_url", &mask(self.smtp_url.is_some()))
            .field("mail_from", &self.mail_from)
            .finish()
    }
}

/// The S3-compatible store behind an `s3://` object store URL. Every field but `allow_http`
/// is required for such a URL: the server never falls back to a provider's default endpoint,
/// to the machine's AWS configuration or to instance-metadata credentials.
#[derive(Clone, Default)]
pub struct S3Settings {
    /// Endpoint URL, `https://host[:port]` (`--s3-endpoint`, `VAULT_S3_ENDPOINT`).
    pub endpoint: Option<String>,
    /// Signing region (`--s3-region`, `VAULT_S3_REGION`).
    pub region: Option<String>,
    /// Access key id (`--s3-access-key-id`, `VAULT_S3_ACCESS_KEY_ID`); `Debug` masks it.
    pub access_key_id: Option<String>,
    /// Secret access key (`--s3-secret-access-key`, `VAULT_S3_SECRET_ACCESS_KEY`).
    pub secret_access_key: Option<SecretString>,
    /// Accept an `http://` endpoint (`--s3-allow-http`, `VAULT_S3_ALLOW_HTTP`); refused unless
    /// the endpoint is a loopback address, where nothing crosses a network.
    pub allow_http: bool,
}

impl S3Settings {
    /// Whether any S3 setting was given.
    #[must_use]
    pub fn any_set(&self) -> bool {
        self.endpoint.is_some()
            || self.region.is_some()
            || self.access_key_id.is_some()
            || self.secret_access_key.is_some()
            || self.allow_http
    }
}

impl fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &mask(self.access_key_id.is_some()))
            .field("secret_access_key", &mask(self.secret_access_key.is_some()))
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_masks_urls() {
        let mut s = Settings::for_data_dir("/tmp/x");
        s.database_url = Some("postgres://u:hunter2@db/vault".into());
        let shown = format!("{s:?}");
        assert!(!shown.contains("hunter2"));
        assert!(shown.contains("masked"));
    }

    #[test]
    fn debug_masks_s3_credentials() {
        let mut s = Settings::for_data_dir("/tmp/x");
        s.object_store_url = Some("s3://case-bodies/replica".into());
        s.s3 = S3Settings {
            endpoint: Some("http://127.0.0.1:9000".into()),
            region: Some("eu-west-2".into()),
            access_key_id: Some("AKIDEXAMPLE42".into()),
            secret_access_key: Some(SecretString::from("wJalrXUtnFEMIsecret")),
            allow_http: true,
        };
        let shown = format!("{s:?}");
        assert!(!shown.contains("AKIDEXAMPLE42"), "{shown}");
        assert!(!shown.contains("wJalrXUtnFEMIsecret"), "{shown}");
        assert!(!shown.contains("case-bodies"), "{shown}");
        assert!(shown.contains("http://127.0.0.1:9000"), "{shown}");
        assert!(shown.contains("eu-west-2"), "{shown}");
        assert_eq!(shown.matches("<set, masked>").count(), 3, "{shown}");
    }
}
