//! `vaultctl` whose reader has gone (`vaultctl … | head -1`) stops like other Unix tools, with
//! the status of a SIGPIPE death and no panic message.

use std::process::{Command, Stdio};

#[test]
fn a_closed_stdout_ends_the_command_quietly() {
    let home = tempfile::tempdir().unwrap();
    let (reader, writer) = std::io::pipe().unwrap();
    // The reading end is closed before vaultctl starts, so its first line meets a closed pipe.
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_vaultctl"))
        .arg("--home")
        .arg(home.path().join("keys"))
        .args(["init", "--email", "sam@northshire.example"])
        .env(
            "VAULTCTL_PASSPHRASE",
            "a passphrase long enough for the test",
        )
        .env("VAULTCTL_SCRYPT_WORK_FACTOR", "15")
        .stdin(Stdio::null())
        .stdout(writer)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(141), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "stderr: {stderr}");
}
