//! What each command does: unlock the keystore, call the library, print the answer.

use std::path::{Path, PathBuf};

use serde_json::json;

use vault_client::documents::{OpenTarget, Progress as _};
use vault_client::files::{self, Destination};
use vault_client::{Client, ClientError, Result};
use vault_core::api::MemberStatus;
use vault_core::ids::{CaseId, OrgId};
use vault_core::keys::Fingerprint;
use vault_core::statement::Role;

use super::output::{self, Bar};
use super::secrets;
use super::{CaseCommand, Cli, Command, DocCommand, Global, KeysCommand, OrgCommand};

/// Runs one command line.
pub(crate) async fn run(cli: Cli) -> Result<()> {
    let g = &cli.global;
    let home = home_dir(g)?;
    match cli.command {
        Command::Init { email, json } => {
            let passphrase = secrets::passphrase(g.passphrase_file.as_deref(), true)?;
            let client = Client::init(&home, &g.server, &email, passphrase)?;
            print_identity(&client, json)
        }
        Command::Register { org, invite } => {
            let mut client = open(g, &home)?;
            let password = secrets::password(g.password_file.as_deref(), true)?;
            let answer = client.register(org, invite.as_deref(), &password).await?;
            println!("user id: {}", answer.user_id);
            println!("status:  {}", json!(answer.status).as_str().unwrap_or("?"));
            if invite.is_some() {
                if let Some(root) = client.keystore().org_root() {
                    let fpr = root.verifying_key().fingerprint();
                    println!("organisation root key fingerprint: {fpr}");
                    println!("keep this keystore safe: it holds the organisation root key");
                }
            } else {
                let fprs = client.fingerprints();
                println!("read this fingerprint to your manager: {}", fprs.member);
            }
            Ok(())
        }
        Command::Login => {
            let mut client = open(g, &home)?;
            let password = secrets::password(g.password_file.as_deref(), false)?;
            let me = client.login(&password).await?;
            println!(
                "logged in as {} ({})",
                output::printable(&me.email),
                me.user_id
            );
            Ok(())
        }
        Command::Logout => {
            open(g, &home)?.logout().await?;
            println!("logged out");
            Ok(())
        }
        Command::Whoami { json } => {
            let client = open(g, &home)?;
            let me = client.whoami().await?;
            // A pending account may read nothing, the log included, until it is approved.
            if me.status != MemberStatus::Pending {
                client.check_log().await?;
            }
            if json {
                return output::json(&me);
            }
            println!("{} ({})", output::printable(&me.email), me.user_id);
            if me.status == MemberStatus::Pending {
                println!("role: pending approval");
            } else {
                println!("role: {}", json!(me.role).as_str().unwrap_or("?"));
            }
            if let Some(org) = me.org_id {
                println!(
                    "organisation: {org} ({})",
                    json!(me.status).as_str().unwrap_or("?")
                );
            }
            Ok(())
        }
        Command::Org(command) => org(g, &home, command).await,
        Command::Case(command) => case(g, &home, command).await,
        Command::Doc(command) => doc(g, &home, command).await,
        Command::Keys(command) => keys(g, &home, command).await,
        Command::Trust(command) => super::log_commands::trust(g, &home, command).await,
        Command::Audit(command) => super::log_commands::audit(g, &home, command).await,
    }
}

fn home_dir(g: &Global) -> Result<PathBuf> {
    if let Some(home) = &g.home {
        return Ok(home.clone());
    }
    std::env::var_os("HOME")
        .map(|h| Path::new(&h).join(".vaultctl"))
        .ok_or_else(|| ClientError::Invalid("no home directory: pass --home DIR".into()))
}

pub(super) fn open(g: &Global, home: &Path) -> Result<Opened> {
    let passphrase = secrets::passphrase(g.passphrase_file.as_deref(), false)?;
    let policy = vault_client::log::LogPolicy::from_texts(
        g.expect_log_key.as_deref(),
        g.require_witness.as_deref(),
        g.witness_max_age,
    )?;
    let mut client = Client::open(home, &g.server, passphrase)?;
    client.set_log_policy(policy);
    Ok(Opened(client))
}

/// [`open`], then the server's latest log checkpoint checked against the one accepted before
/// (and the witness required, if any): a command that talks to the server starts here, so a
/// rolled-back or forked log stops it before anything is read or sent.
pub(super) async fn open_checked(g: &Global, home: &Path) -> Result<Opened> {
    let client = open(g, home)?;
    client.check_log().await?;
    Ok(client)
}

/// An opened client that, when the command is done (whether it succeeded or not), reports on
/// stderr every organisation root it pinned for the first time without a fingerprint to check
/// it against: one place for every command, so no path pins a root silently.
pub(super) struct Opened(Client);

impl std::ops::Deref for Opened {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.0
    }
}

impl std::ops::DerefMut for Opened {
    fn deref_mut(&mut self) -> &mut Client {
        &mut self.0
    }
}

impl Drop for Opened {
    fn drop(&mut self) {
        if let Some(vkey) = self.0.take_new_log_key() {
            eprintln!("this server's log was seen for the first time; its key is {vkey}");
            eprintln!(
                "compare it once with the platform's operator (the server prints it when it \
                 starts); it is pinned from now on, and --expect-log-key VKEY checks it before \
                 anything is trusted"
            );
        }
        for seen in self.0.take_first_sights() {
            eprintln!(
                "organisation {} seen for the first time; its root key is {}",
                seen.org, seen.root
            );
            eprintln!(
                "compare it once with that organisation out of band (its manager reads it from \
                 the first line of `vaultctl org members`); it is pinned from now on, and \
                 --expect-fingerprint FP checks it before anything is sent or accepted"
            );
        }
    }
}

fn print_identity(client: &Client, as_json: bool) -> Result<()> {
    let fprs = client.fingerprints();
    if as_json {
        return output::json(&json!({
            "user_id": client.keystore().user_id,
            "email": client.keystore().email,
            "member": fprs.member,
            "encryption": fprs.encryption,
            "signing": fprs.signing,
        }));
    }
    // A registered keystore (one fetched from the server, say) needs no registration advice.
    if client.keystore().org_id.is_some() {
        println!("user id:                    {}", client.keystore().user_id);
        println!("member fingerprint:         {}", fprs.member);
    } else {
        println!(
            "keystore id:                {} (your user id once you register with an organisation)",
            client.keystore().user_id
        );
        println!(
            "member fingerprint:         {} (read this out at approval)",
            fprs.member
        );
    }
    println!("encryption key fingerprint: {}", fprs.encryption);
    println!("signing key fingerprint:    {}", fprs.signing);
    Ok(())
}

async fn org(g: &Global, home: &Path, command: OrgCommand) -> Result<()> {
    let client = open_checked(g, home).await?;
    match command {
        OrgCommand::Create { name, json } => {
            let answer = client.create_org(&name).await?;
            if json {
                return output::json(&answer);
            }
            println!("organisation id: {}", answer.org.org_id);
            println!("invite code:     {}", answer.invite_code);
            println!("hand the code to the organisation's first manager; it is shown once");
        }
        OrgCommand::AddAuditor { user_id, email } => {
            let password = secrets::password(g.password_file.as_deref(), true)?;
            client.add_auditor(user_id, &email, &password).await?;
            println!(
                "auditor account {user_id} created for {}",
                output::printable(&email)
            );
            println!("they log in with `vaultctl login` and the password you set");
        }
        OrgCommand::List { json } => {
            let orgs = client.list_orgs().await?;
            if json {
                return output::json(&orgs);
            }
            for o in orgs {
                let root = o.root_signing_key.map_or("not set up".to_owned(), |k| {
                    format!("root {}", k.fingerprint())
                });
                println!("{}  {}  ({root})", o.org_id, output::printable(&o.name));
            }
        }
        OrgCommand::Members { json } => {
            let members = client.members().await?;
            if json {
                return output::json(&members);
            }
            print_members(&client.my_org_root().await?, &members);
        }
        OrgCommand::Approve {
            user_id,
            role,
            fingerprint,
        } => {
            let role = Role::parse(&role).ok_or_else(|| {
                ClientError::Invalid("--role must be practitioner or manager".into())
            })?;
            let fingerprint: Fingerprint = fingerprint.parse().map_err(|_| {
                ClientError::Invalid("--fingerprint is not a key fingerprint".into())
            })?;
            client.approve(user_id, role, fingerprint).await?;
            println!("approved {user_id} as {}", role.as_str());
        }
        OrgCommand::Remove { user_id } => {
            client.remove_member(user_id).await?;
            println!("removed {user_id}; the organisation key was rotated");
        }
    }
    Ok(())
}

/// The transfers list for people.
fn print_transfers(transfers: &[vault_core::api::TransferSummary]) {
    for t in transfers {
        let status = json!(t.status);
        println!(
            "{}  case {} ({})  {} -> {}  {}  {}",
            t.transfer_id,
            t.case_id,
            output::printable(&t.reference),
            t.from_org,
            t.to_org,
            status.as_str().unwrap_or("?"),
            output::count(t.document_count, "document")
        );
    }
}

/// The member list for people. A pending member's fingerprint is left out: the manager
/// approves with the one the member reads out, never one copied from the server's directory.
fn print_members(root: &Fingerprint, members: &[vault_client::org::MemberView]) {
    println!("organisation root key: {root} (other organisations compare this with you)");
    for m in members {
        let role = m.role.map_or("-", Role::as_str);
        let status = json!(m.status);
        let certified = if m.certified {
            "certified"
        } else {
            "NOT CERTIFIED"
        };
        let fingerprint = m.fingerprints.map_or_else(
            || "fingerprint: ask the member to read it out (`vaultctl keys fingerprint`)".into(),
            |f| format!("fingerprint {}", f.member),
        );
        println!(
            "{}  {}  {}  {role}  {certified}  {fingerprint}",
            m.user_id,
            output::printable(&m.email),
            status.as_str().unwrap_or("?"),
        );
    }
}

async fn case(g: &Global, home: &Path, command: CaseCommand) -> Result<()> {
    let client = open_checked(g, home).await?;
    match command {
        CaseCommand::Create { reference, json } => {
            let case_id = client.create_case(&reference).await?;
            if json {
                return output::json(&json!({ "case_id": case_id }));
            }
            println!("{case_id}");
        }
        CaseCommand::List { json } => {
            let cases = client.list_cases().await?;
            if json {
                return output::json(&cases);
            }
            if cases.is_empty() {
                println!("your organisation has no cases");
            }
            for c in cases {
                let when = output::date(c.created_at);
                println!(
                    "{}  {}  {}  {when}",
                    c.case_id,
                    output::printable(&c.reference),
                    output::count(c.document_count, "document")
                );
            }
        }
        CaseCommand::Show { case_id, json } => {
            let detail = client.show_case(case_id).await?;
            if json {
                return output::json(&detail);
            }
            let reference = output::printable(&detail.case.reference);
            println!("case {}  {reference}", detail.case.case_id);
            println!("owner {}", detail.case.org_id);
            println!("case key {}", detail.case.case_key.fingerprint());
            println!(
                "{} (names: `vaultctl doc list {case_id}`)",
                output::count(detail.documents.len() as u64, "document")
            );
        }
        CaseCommand::Transfer {
            case_id,
            to,
            expect_fingerprint,
            json,
        } => {
            client
                .require_manager("offer a case to another organisation")
                .await?;
            meet_org(&client, to, expect_fingerprint.as_deref()).await?;
            let transfer_id = client.transfer_case(case_id, to).await?;
            if json {
                return output::json(&json!({ "transfer_id": transfer_id }));
            }
            println!("{transfer_id}");
        }
        CaseCommand::Transfers { json } => {
            let transfers = client.list_transfers().await?;
            if json {
                return output::json(&transfers);
            }
            print_transfers(&transfers);
        }
        CaseCommand::Accept {
            transfer_id,
            expect_fingerprint,
        } => {
            let expect = expect_fingerprint
                .as_deref()
                .map(parse_fingerprint)
                .transpose()?;
            let case_id = client
                .accept_transfer_expecting(transfer_id, expect)
                .await?;
            println!("accepted: case {case_id} now belongs to your organisation");
        }
        CaseCommand::Decline { transfer_id } => {
            let case_id = client.decline_transfer(transfer_id).await?;
            println!(
                "declined: transfer {transfer_id} of case {case_id} is closed; \
                 the sending organisation may offer the case again"
            );
        }
        CaseCommand::Withdraw { transfer_id } => {
            let case_id = client.withdraw_transfer(transfer_id).await?;
            println!(
                "withdrawn: transfer {transfer_id} is closed; case {case_id} takes documents \
                 again and can be offered anew"
            );
        }
    }
    Ok(())
}

async fn doc(g: &Global, home: &Path, command: DocCommand) -> Result<()> {
    if let DocCommand::SealLocal { file, out, force } = command {
        return seal_local(file, out, force).await;
    }
    let client = open_checked(g, home).await?;
    match command {
        DocCommand::Seal {
            case_id,
            files,
            json,
        } => seal_files(&client, case_id, &files, json).await?,
        DocCommand::SealLocal { .. } => unreachable!("handled before the keystore is opened"),
        DocCommand::List { case_id, json } => {
            let docs = client.list_documents(case_id).await?;
            if json {
                return output::json(&docs);
            }
            print_documents(docs)?;
        }
        DocCommand::Open {
            document_id,
            out,
            out_dir,
            force,
        } => {
            let target = match (out, out_dir) {
                (Some(path), _) => OpenTarget::File(path),
                (None, Some(dir)) => OpenTarget::Dir(dir),
                (None, None) => OpenTarget::Dir(PathBuf::from(".")),
            };
            let opened = client
                .open_document_file(document_id, &target, force, Bar::new("opening"))
                .await?;
            output::opened(&opened, matches!(target, OpenTarget::Dir(_)));
        }
        DocCommand::Share {
            document_id,
            org,
            expect_fingerprint,
        } => {
            meet_org(&client, org, expect_fingerprint.as_deref()).await?;
            client.share(document_id, org).await?;
            println!("shared {document_id} with {org}");
        }
        DocCommand::Revoke { document_id, org } => {
            client.revoke(document_id, org).await?;
            println!("revoked {org}'s access to {document_id}");
            println!(
                "if they may have kept the key, seal the document again as a new document: \
                 the old key opens only the old copy"
            );
        }
        DocCommand::Shares { document_id, json } => {
            let shares = client.shares_of(document_id).await?;
            if json {
                return output::json(&shares);
            }
            if shares.is_empty() {
                println!("{document_id} is shared with no other organisation");
            }
            for s in shares {
                let when = output::date(s.created_at);
                println!("shared with {}  by {}  {when}", s.to_org, s.from_org);
            }
        }
        DocCommand::Shared { json } => {
            let shares = client.shared_with_us().await?;
            if json {
                return output::json(&shares);
            }
            if shares.is_empty() {
                println!("no document is shared with your organisation");
            }
            for s in shares {
                println!(
                    "{}  case {}  from {}  {}",
                    s.document_id,
                    s.case_id,
                    s.from_org,
                    output::date(s.created_at)
                );
            }
        }
    }
    Ok(())
}

async fn keys(g: &Global, home: &Path, command: KeysCommand) -> Result<()> {
    let client = match command {
        KeysCommand::Fetch { email, json } => return fetch(g, home, &email, json).await,
        KeysCommand::Export { .. } => open_checked(g, home).await?,
        KeysCommand::Fingerprint { .. } | KeysCommand::Upload => open(g, home)?,
    };
    match command {
        KeysCommand::Export {
            document_id,
            out,
            body,
        } => {
            client
                .export_key(document_id, &out, body.as_deref())
                .await?;
            println!(
                "wrote the document key to {} (keep it secret; delete it after use)",
                out.display()
            );
            let body_path = body.map_or("DOCUMENT.age".to_owned(), |b| b.display().to_string());
            println!(
                "open with: age -d -i {} -o OUTPUT {body_path}",
                out.display()
            );
        }
        KeysCommand::Fetch { .. } => unreachable!("handled before the keystore is opened"),
        KeysCommand::Fingerprint { json } => print_identity(&client, json)?,
        KeysCommand::Upload => {
            client.upload_keystore().await?;
            println!(
                "kept a copy of your locked keystore on the server; the web app unlocks it \
                 with your keystore passphrase, which never leaves your device"
            );
        }
    }
    Ok(())
}

/// `keys fetch`: the password first (to sign in), the passphrase only once the server has
/// answered a keystore to unlock; then the member is logged in, as `vaultctl login` leaves them.
async fn fetch(g: &Global, home: &Path, email: &str, json: bool) -> Result<()> {
    let target = vault_client::fetch::FetchTarget {
        home,
        server: &g.server,
        email,
        policy: vault_client::log::LogPolicy::from_texts(
            g.expect_log_key.as_deref(),
            g.require_witness.as_deref(),
            g.witness_max_age,
        )?,
    };
    let password = secrets::password(g.password_file.as_deref(), false)?;
    let passphrase = || secrets::passphrase(g.passphrase_file.as_deref(), false);
    let (client, me) = Client::fetch(target, &password, passphrase).await?;
    let client = Opened(client);
    if !json {
        println!(
            "wrote the locked keystore the server keeps for you into {}",
            home.display()
        );
        println!(
            "logged in as {} ({})",
            output::printable(&me.email),
            me.user_id
        );
        println!("compare these fingerprints with those the web app showed you:");
    }
    print_identity(&client, json)
}

/// Verifies the receiving organisation's root key before anything is wrapped to it: against
/// `expect` when given, else pinned on first sight (and announced by [`Opened`]).
async fn meet_org(client: &Client, org: OrgId, expect: Option<&str>) -> Result<()> {
    let expect = expect.map(parse_fingerprint).transpose()?;
    client.meet_org(org, expect).await?;
    Ok(())
}

pub(super) fn parse_fingerprint(text: &str) -> Result<Fingerprint> {
    text.parse()
        .map_err(|_| ClientError::Invalid(format!("{text:?} is not a key fingerprint")))
}

/// Lists a case's documents for people; an error (so a non-zero exit) if any did not verify.
fn print_documents(docs: Vec<vault_client::documents::DocumentView>) -> Result<()> {
    let mut not_genuine = 0;
    for d in docs {
        match (&d.file_name, d.size) {
            (Some(name), Some(size)) if d.genuine => {
                println!("{}  {size:>10}  {}", d.document_id, output::printable(name));
            }
            _ => {
                not_genuine += 1;
                println!(
                    "{}  NOT GENUINE: {}",
                    d.document_id,
                    output::printable(d.problem.as_deref().unwrap_or("did not verify"))
                );
            }
        }
    }
    if not_genuine > 0 {
        return Err(ClientError::NotGenuine(format!(
            "{not_genuine} document(s) of this case did not verify; do not rely on them"
        )));
    }
    Ok(())
}

/// `doc seal-local`: seals with a fresh document key that is dropped (and wiped) at the end.
async fn seal_local(file: PathBuf, out: PathBuf, force: bool) -> Result<()> {
    let key = vault_core::keys::SecretKey::generate().public_key();
    let dest = Destination { path: out, force };
    let mut bar = Bar::new("sealing");
    if let Ok(meta) = std::fs::metadata(&file) {
        bar.start(meta.len());
    }
    let (sealed, dest) = tokio::task::spawn_blocking(move || {
        let result = files::seal_to_file(&file, &key, &dest, |n| bar.update(n));
        bar.finish();
        result.map(|sealed| (sealed, dest))
    })
    .await
    .map_err(|_| ClientError::Invalid("sealing stopped unexpectedly".into()))??;
    println!(
        "sealed {} bytes into {} ({} bytes, ciphertext sha256 {})",
        sealed.plaintext_size,
        dest.path.display(),
        sealed.ciphertext_size,
        hex::encode(sealed.ciphertext_sha256)
    );
    Ok(())
}

/// `doc seal`: each file sealed in turn, printed with its document id once stored (or all of
/// them as JSON at the end); the first failure stops the rest (see `not_sealed`).
async fn seal_files(client: &Client, case_id: CaseId, files: &[PathBuf], json: bool) -> Result<()> {
    let case = client.prepare_case(case_id).await?;
    let mut sealed = Vec::new();
    for (at, file) in files.iter().enumerate() {
        let label = file.file_name().map(|n| n.to_string_lossy().into_owned());
        let bar = Bar::new(label.as_deref().unwrap_or("sealing"));
        let id = client
            .seal_file(&case, file, bar)
            .await
            .map_err(|e| not_sealed(file, &files[at + 1..], &e))?;
        if !json {
            println!("{id}  {}", output::printable(&file.display().to_string()));
        }
        sealed.push(json!({ "document_id": id, "file": file }));
    }
    if json {
        return output::json(&sealed);
    }
    Ok(())
}

/// A seal that failed, said with the file it was sealing and the files after it, which are not
/// sealed either; the files before it were sealed (their ids are printed). A connection lost on
/// the way is said with what the server does with an upload it did not finish.
fn not_sealed(file: &Path, rest: &[PathBuf], error: &ClientError) -> ClientError {
    let name = output::printable(&file.display().to_string());
    let mut line = format!("{name}: {error}");
    if matches!(error, ClientError::Http(_)) {
        line.push_str(
            "; the server keeps nothing of an upload it did not finish: seal the file again",
        );
    }
    if !rest.is_empty() {
        let names: Vec<String> = rest
            .iter()
            .map(|f| output::printable(&f.display().to_string()))
            .collect();
        line = format!("{line}; not sealed either: {}", names.join(", "));
    }
    ClientError::Invalid(line)
}
