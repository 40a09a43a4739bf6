//! The keystore on disk: created once, opened with the passphrase, refused with a wrong one,
//! written with mode 0600; and secret-holding types have no `Debug` at all.

use secrecy::SecretString;
use vault_client::{Client, ClientError};

fn pass(text: &str) -> SecretString {
    SecretString::from(text.to_owned())
}

/// Answers whether `T` implements `Debug`, without requiring it (inherent methods win over
/// the blanket trait method only when the bound holds).
struct Probe<T>(std::marker::PhantomData<T>);
trait NoDebug {
    #[allow(clippy::unused_self)]
    fn has_debug(&self) -> bool {
        false
    }
}
impl<T> NoDebug for Probe<T> {}
// The probe needs a receiver so that method resolution picks the inherent method.
#[allow(clippy::unused_self)]
impl<T: std::fmt::Debug> Probe<T> {
    #[allow(dead_code)]
    fn has_debug(&self) -> bool {
        true
    }
}

#[test]
fn secret_types_have_no_debug() {
    assert!(!Probe::<vault_client::keystore::Keystore>(std::marker::PhantomData).has_debug());
    assert!(!Probe::<vault_client::session::Session>(std::marker::PhantomData).has_debug());
    assert!(!Probe::<Client>(std::marker::PhantomData).has_debug());
    assert!(!Probe::<vault_core::keys::SecretKey>(std::marker::PhantomData).has_debug());
    // The probe does see Debug where there is one.
    assert!(Probe::<vault_core::ids::CaseId>(std::marker::PhantomData).has_debug());
}

#[test]
fn init_then_open_and_refuse_a_wrong_passphrase() {
    std::env::set_var(vault_client::keystore::WORK_FACTOR_ENV, "15");
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("home");
    let made = Client::init(
        &dir,
        "http://127.0.0.1:9",
        "p@example.org",
        pass("a long passphrase"),
    )
    .unwrap();
    let again = Client::open(&dir, "http://127.0.0.1:9", pass("a long passphrase")).unwrap();
    assert_eq!(
        made.fingerprints().encryption,
        again.fingerprints().encryption
    );
    let err = Client::open(&dir, "http://127.0.0.1:9", pass("not the passphrase"))
        .err()
        .unwrap();
    assert!(matches!(err, ClientError::WrongPassphrase));
    assert_eq!(
        err.to_string(),
        "wrong passphrase (or the keystore is damaged)"
    );
    let err = Client::init(
        &dir,
        "http://127.0.0.1:9",
        "p@example.org",
        pass("a long passphrase"),
    )
    .err()
    .unwrap();
    assert!(matches!(err, ClientError::KeystoreExists(_)), "{err}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let permissions = std::fs::metadata(dir.join("keystore.age"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(permissions & 0o777, 0o600);
    }
}
