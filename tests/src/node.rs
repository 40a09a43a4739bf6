//! Running the browser side's scripts (`web/test/*.mjs`) under Node.js from a Rust test, for
//! the cross-language checks: one place decides what a missing `node` means. Locally it skips
//! the test with a message; with `VAULT_REQUIRE_BROWSER=1` (CI) it fails it.

use std::path::Path;

/// Runs `node web/test/<script> <dir>` and asserts it succeeded; `None` when `node` is absent
/// and CI does not require it. `what` names the check in the messages.
#[must_use]
pub fn run_script(script: &str, dir: &Path, what: &str) -> Option<std::process::Output> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../web/test")
        .join(script);
    let output = match std::process::Command::new("node")
        .arg(&path)
        .arg(dir)
        .output()
    {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            assert!(
                std::env::var("VAULT_REQUIRE_BROWSER").as_deref() != Ok("1"),
                "node is missing and VAULT_REQUIRE_BROWSER=1: install Node.js"
            );
            eprintln!("{what} SKIPPED: it needs Node.js (apt-get install nodejs npm)");
            return None;
        }
        Err(e) => panic!("cannot run node: {e}"),
    };
    assert!(
        output.status.success(),
        "{what}: the JavaScript side failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Some(output)
}
