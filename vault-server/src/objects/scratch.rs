//! A fresh corner of a test S3 bucket, and a look at what it holds, for tests and benchmarks.
//!
//! With `VAULT_TEST_OBJECT_STORE=s3`, each server a test starts gets its own random prefix in
//! the bucket of `VAULT_TEST_OBJECT_STORE_URL`, reached with the `VAULT_S3_*` variables the
//! binary reads. Tests then check the bucket itself: the objects below the prefix, and the
//! multipart uploads still in progress there, which `object_store` cannot list (so that one
//! request is signed here, with AWS signature version 4).

use anyhow::{bail, Context as _};
use ring::{digest, hmac};
use secrecy::{ExposeSecret as _, SecretString};
use url::Url;

use crate::settings::S3Settings;

/// The object store URL (a fresh prefix in the test bucket) and S3 settings when the tests are
/// asked to run on S3; `None` for the default local directory.
pub fn test_object_store() -> anyhow::Result<Option<(String, S3Settings)>> {
    if std::env::var("VAULT_TEST_OBJECT_STORE").as_deref() != Ok("s3") {
        return Ok(None);
    }
    let base = std::env::var("VAULT_TEST_OBJECT_STORE_URL")
        .context("VAULT_TEST_OBJECT_STORE=s3 needs VAULT_TEST_OBJECT_STORE_URL=s3://BUCKET")?;
    let var = |name: &str| std::env::var(name).ok();
    let settings = S3Settings {
        endpoint: var("VAULT_S3_ENDPOINT"),
        region: var("VAULT_S3_REGION"),
        access_key_id: var("VAULT_S3_ACCESS_KEY_ID"),
        secret_access_key: var("VAULT_S3_SECRET_ACCESS_KEY").map(SecretString::from),
        allow_http: var("VAULT_S3_ALLOW_HTTP").is_some_and(|v| v == "true" || v == "1"),
    };
    let prefix = uuid::Uuid::new_v4().simple();
    Ok(Some((
        format!("{}/{prefix}", base.trim_end_matches('/')),
        settings,
    )))
}

/// Keys of the multipart uploads in progress below the prefix of `url` (`s3://BUCKET/PREFIX`).
pub async fn uploads_in_progress(url: &str, settings: &S3Settings) -> anyhow::Result<Vec<String>> {
    let location = super::s3::location(&Url::parse(url)?)?;
    // Checked as the server checks it, so this request goes only where the server's do.
    super::s3::client(&location.bucket, settings)?;
    let endpoint = Url::parse(settings.endpoint.as_deref().unwrap_or_default())?;
    let prefix = format!("{}/", location.prefix.as_ref());
    let query = format!("prefix={}&uploads=", encode(&prefix));
    let request = Signed {
        path: format!("/{}", location.bucket),
        query: &query,
        host: endpoint_host(&endpoint)?,
        region: settings.region.as_deref().unwrap_or_default(),
        key_id: settings.access_key_id.as_deref().unwrap_or_default(),
        secret: settings
            .secret_access_key
            .as_ref()
            .context("no secret key")?,
        now: time::OffsetDateTime::now_utc(),
    };
    let (authorization, date) = request.authorization();
    let origin = endpoint.as_str().trim_end_matches('/');
    let answer = reqwest::Client::new()
        .get(format!("{origin}{}?{query}", request.path))
        .header("x-amz-date", date)
        .header("x-amz-content-sha256", EMPTY_SHA256)
        .header("authorization", authorization)
        .send()
        .await
        .context("listing multipart uploads")?;
    let status = answer.status();
    let body = answer.text().await?;
    if !status.is_success() {
        bail!("listing multipart uploads answered {status}: {body}");
    }
    Ok(upload_keys(&body))
}

/// SHA-256 of an empty payload, in hex.
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fn endpoint_host(endpoint: &Url) -> anyhow::Result<String> {
    let host = endpoint.host_str().context("the endpoint has no host")?;
    Ok(match endpoint.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

/// Percent-encodes all but the characters SigV4 leaves as they are.
fn encode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push_str(&hex::encode_upper([byte]));
        }
    }
    out
}

/// The `<Key>` of each `<Upload>` in a ListMultipartUploads answer.
fn upload_keys(xml: &str) -> Vec<String> {
    xml.split("<Upload>")
        .skip(1)
        .filter_map(|upload| {
            let start = upload.find("<Key>")? + "<Key>".len();
            let end = upload[start..].find("</Key>")? + start;
            Some(upload[start..end].to_owned())
        })
        .collect()
}

/// One GET request to sign.
struct Signed<'a> {
    path: String,
    query: &'a str,
    host: String,
    region: &'a str,
    key_id: &'a str,
    secret: &'a SecretString,
    now: time::OffsetDateTime,
}

impl Signed<'_> {
    /// The `Authorization` header value and the `x-amz-date` it signs.
    fn authorization(&self) -> (String, String) {
        let n = self.now;
        let day = format!("{:04}{:02}{:02}", n.year(), u8::from(n.month()), n.day());
        let date = format!("{day}T{:02}{:02}{:02}Z", n.hour(), n.minute(), n.second());
        let signed_headers = "host;x-amz-content-sha256;x-amz-date";
        let canonical = format!(
            "GET\n{}\n{}\nhost:{}\nx-amz-content-sha256:{EMPTY_SHA256}\nx-amz-date:{date}\n\n\
             {signed_headers}\n{EMPTY_SHA256}",
            self.path, self.query, self.host
        );
        let scope = format!("{day}/{}/s3/aws4_request", self.region);
        let to_sign = format!(
            "AWS4-HMAC-SHA256\n{date}\n{scope}\n{}",
            hex::encode(digest::digest(&digest::SHA256, canonical.as_bytes()))
        );
        let mut key = format!("AWS4{}", self.secret.expose_secret()).into_bytes();
        for part in [day.as_str(), self.region, "s3", "aws4_request"] {
            key = mac(&key, part.as_bytes());
        }
        let signature = hex::encode(mac(&key, to_sign.as_bytes()));
        let header = format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, \
             Signature={signature}",
            self.key_id
        );
        (header, date)
    }
}

fn mac(key: &[u8], data: &[u8]) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data)
        .as_ref()
        .to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example request of the AWS signature version 4 documentation for S3
    /// (GET /?lifecycle on examplebucket), whose published signature pins this signer.
    #[test]
    fn signs_the_documented_example() {
        let secret = SecretString::from("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        let request = Signed {
            path: "/".into(),
            query: "lifecycle=",
            host: "examplebucket.s3.amazonaws.com".into(),
            region: "us-east-1",
            key_id: "AKIAIOSFODNN7EXAMPLE",
            secret: &secret,
            now: time::OffsetDateTime::from_unix_timestamp(1_369_353_600).unwrap(),
        };
        let (header, date) = request.authorization();
        assert_eq!(date, "20130524T000000Z");
        assert!(header.ends_with(
            "Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"
        ));
    }

    #[test]
    fn reads_upload_keys() {
        let xml = "<ListMultipartUploadsResult><Bucket>b</Bucket><Upload><Key>p/documents/a\
                   </Key><UploadId>1</UploadId></Upload><Upload><UploadId>2</UploadId>\
                   <Key>p/documents/b</Key></Upload></ListMultipartUploadsResult>";
        assert_eq!(upload_keys(xml), ["p/documents/a", "p/documents/b"]);
        assert_eq!(encode("ab12/x y"), "ab12%2Fx%20y");
    }
}
