//! An S3-compatible object store, reached only as the settings say.
//!
//! The client is built from nothing but the settings: no AWS configuration file, no
//! environment variables of the machine, no instance-metadata credentials and no provider
//! default endpoint. A missing setting stops the server at start with a message naming it, so
//! a replica can never quietly send case bodies to a store nobody chose.

use std::net::IpAddr;
use std::sync::Arc;

use anyhow::{bail, Context as _};
use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ClientOptions, ObjectStore};
use secrecy::ExposeSecret as _;
use url::Url;

use crate::settings::S3Settings;

/// Where an `s3://` URL points: the bucket, and the key prefix inside it.
#[derive(Debug, PartialEq, Eq)]
pub struct Location {
    /// Bucket name.
    pub bucket: String,
    /// Key prefix (may be empty); every object key lives below it.
    pub prefix: Path,
}

/// Reads `s3://BUCKET[/PREFIX]`. Credentials or options in the URL are refused: they belong
/// in the settings, where they are masked.
pub fn location(url: &Url) -> anyhow::Result<Location> {
    if url.scheme() != "s3" {
        bail!("an S3 object store URL starts with s3://");
    }
    if !url.username().is_empty() || url.password().is_some() || url.port().is_some() {
        bail!(
            "the s3:// URL names only a bucket and a prefix; \
             the endpoint and credentials are settings"
        );
    }
    if url.query().is_some() || url.fragment().is_some() {
        bail!("the s3:// URL takes no query or fragment");
    }
    let bucket = url.host_str().unwrap_or_default().to_owned();
    if bucket.is_empty() {
        bail!("the s3:// URL names no bucket");
    }
    let prefix = Path::parse(url.path().trim_start_matches('/'))
        .context("the s3:// URL's prefix is not a valid object path")?;
    Ok(Location { bucket, prefix })
}

/// The endpoint, checked: https, or http on a loopback address when allowed; a bare origin.
fn endpoint(settings: &S3Settings) -> anyhow::Result<String> {
    let raw = settings
        .endpoint
        .as_deref()
        .context("an s3:// object store needs --s3-endpoint (VAULT_S3_ENDPOINT)")?;
    let url = Url::parse(raw).context("parsing the S3 endpoint URL")?;
    if !url.username().is_empty() || url.password().is_some() {
        bail!("the S3 endpoint URL must not hold credentials");
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        bail!("the S3 endpoint is an origin only: scheme, host and port");
    }
    match url.scheme() {
        "https" => {}
        "http" => {
            if !settings.allow_http {
                bail!("the S3 endpoint is plain http; set --s3-allow-http for a loopback endpoint");
            }
            if !is_loopback(&url) {
                bail!("plain http to S3 is accepted only on a loopback address; use https");
            }
        }
        _ => bail!("the S3 endpoint must be an https:// URL"),
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// The bare S3 client for `bucket`, built from the settings alone.
pub fn client(bucket: &str, settings: &S3Settings) -> anyhow::Result<object_store::aws::AmazonS3> {
    let endpoint = endpoint(settings)?;
    let region = settings
        .region
        .as_deref()
        .context("an s3:// object store needs --s3-region (VAULT_S3_REGION)")?;
    let key_id = settings
        .access_key_id
        .as_deref()
        .context("an s3:// object store needs --s3-access-key-id (VAULT_S3_ACCESS_KEY_ID)")?;
    let secret = settings.secret_access_key.as_ref().context(
        "an s3:// object store needs --s3-secret-access-key (VAULT_S3_SECRET_ACCESS_KEY)",
    )?;
    if key_id.is_empty() || secret.expose_secret().is_empty() || region.is_empty() {
        bail!("the S3 region, access key id and secret access key must not be empty");
    }
    // `new()`, not `from_env()`: nothing is read from the machine. With a static key pair the
    // builder never asks instance metadata for credentials.
    AmazonS3Builder::new()
        .with_bucket_name(bucket)
        .with_endpoint(endpoint)
        .with_region(region)
        .with_access_key_id(key_id)
        .with_secret_access_key(secret.expose_secret())
        .with_virtual_hosted_style_request(false)
        .with_client_options(ClientOptions::new().with_allow_http(settings.allow_http))
        .build()
        .context("configuring the S3 client")
}

/// Opens the store at `url` with `settings`.
pub fn open(url: &Url, settings: &S3Settings) -> anyhow::Result<Arc<dyn ObjectStore>> {
    let Location { bucket, prefix } = location(url)?;
    let store = client(&bucket, settings)?;
    if prefix.as_ref().is_empty() {
        Ok(Arc::new(store))
    } else {
        Ok(Arc::new(PrefixStore::new(store, prefix)))
    }
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;

    fn complete() -> S3Settings {
        S3Settings {
            endpoint: Some("https://objects.storage.example".into()),
            region: Some("eu-west-2".into()),
            access_key_id: Some("AKIDEXAMPLE".into()),
            secret_access_key: Some(SecretString::from("secret-example")),
            allow_http: false,
        }
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn refusal(url_text: &str, settings: &S3Settings) -> String {
        match open(&url(url_text), settings) {
            Ok(_) => panic!("{url_text} was accepted"),
            Err(err) => format!("{err:#}"),
        }
    }

    #[test]
    fn bucket_and_prefix_come_from_the_url() {
        let at = location(&url("s3://case-bodies/replicas/eu")).unwrap();
        assert_eq!(at.bucket, "case-bodies");
        assert_eq!(at.prefix.as_ref(), "replicas/eu");
        assert_eq!(
            location(&url("s3://case-bodies")).unwrap().prefix.as_ref(),
            ""
        );
        assert!(open(&url("s3://case-bodies/p"), &complete()).is_ok());
    }

    type Remove = fn(&mut S3Settings);

    #[test]
    fn every_missing_setting_is_named() {
        let cases: [(&str, Remove); 4] = [
            ("VAULT_S3_ENDPOINT", |s| s.endpoint = None),
            ("VAULT_S3_REGION", |s| s.region = None),
            ("VAULT_S3_ACCESS_KEY_ID", |s| s.access_key_id = None),
            ("VAULT_S3_SECRET_ACCESS_KEY", |s| s.secret_access_key = None),
        ];
        for (name, remove) in cases {
            let mut settings = complete();
            remove(&mut settings);
            let err = refusal("s3://case-bodies", &settings);
            assert!(err.contains(name), "{name}: {err}");
        }
    }

    #[test]
    fn plain_http_only_when_allowed_and_on_loopback() {
        let mut settings = complete();
        settings.endpoint = Some("http://127.0.0.1:9000".into());
        assert!(refusal("s3://b", &settings).contains("allow-http"));
        settings.allow_http = true;
        assert!(open(&url("s3://b"), &settings).is_ok());
        settings.endpoint = Some("http://[::1]:9000".into());
        assert!(open(&url("s3://b"), &settings).is_ok());
        settings.endpoint = Some("http://objects.storage.example".into());
        assert!(refusal("s3://b", &settings).contains("loopback"));
        settings.endpoint = Some("http://10.0.0.8:9000".into());
        assert!(refusal("s3://b", &settings).contains("loopback"));
    }

    #[test]
    fn odd_urls_are_refused() {
        let settings = complete();
        for bad in [
            "s3://user:pw@bucket/p",
            "s3://bucket:9000/p",
            "s3://bucket/p?region=x",
        ] {
            refusal(bad, &settings);
        }
        let mut with_path = complete();
        with_path.endpoint = Some("https://objects.storage.example/bucket".into());
        assert!(refusal("s3://b", &with_path).contains("origin"));
        let mut with_secret = complete();
        with_secret.endpoint = Some("https://k:s@objects.storage.example".into());
        assert!(refusal("s3://b", &with_secret).contains("credentials"));
    }
}
