//! The commands about the log and the keys it vouches for: `trust accept` and `audit witness`.

use std::path::Path;

use super::commands::{open_checked, parse_fingerprint};
use super::output;
use super::{AuditCommand, Global, TrustCommand};
use vault_client::Result;

/// `vaultctl trust …`.
pub(crate) async fn trust(g: &Global, home: &Path, command: TrustCommand) -> Result<()> {
    let TrustCommand::Accept {
        org,
        member,
        fingerprint,
    } = command;
    let fingerprint = parse_fingerprint(&fingerprint)?;
    let client = open_checked(g, home).await?;
    let (taken, whose) = match member {
        Some(user) => (
            client.accept_member_key(org, user, fingerprint).await?,
            format!("member {user} of organisation {org}"),
        ),
        None => (
            client.accept_org_key(org, fingerprint).await?,
            format!("organisation {org}"),
        ),
    };
    if taken {
        println!("accepted {fingerprint} for {whose}; it is pinned from now on");
    } else {
        println!(
            "nothing to accept: the pins already agree with what the server shows for {whose}"
        );
    }
    Ok(())
}

/// `vaultctl audit …`.
pub(crate) async fn audit(g: &Global, home: &Path, command: AuditCommand) -> Result<()> {
    match command {
        AuditCommand::Verify(args) => return super::audit_verify::run(g, home, args).await,
        AuditCommand::Witness { name, json } => {
            let client = open_checked(g, home).await?;
            let done = client.witness(name.as_deref()).await?;
            if json {
                return output::json(&done);
            }
            if done.created {
                eprintln!("a witness key was made and saved, encrypted, in this home directory");
                eprintln!(
                    "clients that require this witness pass: --require-witness {} \
                     --witness-max-age SECS",
                    done.witness_key
                );
            }
            if done.renewed {
                println!("log unchanged since last cosignature; cosignature renewed");
            }
            let since = done.previous_size.map_or_else(
                || "first cosignature".to_owned(),
                |s| format!("after size {s}"),
            );
            println!(
                "cosigned checkpoint size {} root {} ({since})",
                done.size, done.root
            );
            println!("witness key: {}", done.witness_key);
        }
    }
    Ok(())
}
