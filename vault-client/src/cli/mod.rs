//! The `vaultctl` command line: argument definitions (clap derive) and dispatch.

mod audit_verify;
mod commands;
mod log_commands;
mod output;
mod secrets;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use vault_core::ids::{CaseId, DocumentId, OrgId, TransferId, UserId};

pub(crate) use commands::run;

/// Seal case-file documents on this machine; the server stores only ciphertext.
#[derive(Parser)]
#[command(name = "vaultctl", version, about)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options for every command.
#[derive(Args)]
pub(crate) struct Global {
    /// Where the keystore, session and pins live.
    #[arg(long, global = true, env = "VAULTCTL_HOME")]
    pub(crate) home: Option<PathBuf>,
    /// The vault server.
    #[arg(
        long,
        global = true,
        env = "VAULTCTL_SERVER",
        default_value = "http://127.0.0.1:8088"
    )]
    pub(crate) server: String,
    #[arg(
        long,
        global = true,
        help = "Read the keystore passphrase from this file \
                (else VAULTCTL_PASSPHRASE, else a prompt)"
    )]
    pub(crate) passphrase_file: Option<PathBuf>,
    #[arg(
        long,
        global = true,
        help = "Read the account password from this file (else VAULTCTL_PASSWORD, else a prompt)"
    )]
    pub(crate) password_file: Option<PathBuf>,
    /// Refuse the server's log unless it is signed with this key (`origin+keyid+base64`, as the
    /// server prints it at start); without it the key is pinned the first time it is seen.
    #[arg(
        long,
        global = true,
        env = "VAULTCTL_EXPECT_LOG_KEY",
        value_name = "VKEY"
    )]
    pub(crate) expect_log_key: Option<String>,
    /// Refuse the server's log unless this witness (its key, as `vaultctl audit witness`
    /// prints it) cosigned a checkpoint consistent with the latest, recently enough.
    #[arg(
        long,
        global = true,
        env = "VAULTCTL_REQUIRE_WITNESS",
        value_name = "VKEY",
        requires = "witness_max_age"
    )]
    pub(crate) require_witness: Option<String>,
    /// The oldest witness cosignature accepted, in seconds (with --require-witness).
    #[arg(
        long,
        global = true,
        env = "VAULTCTL_WITNESS_MAX_AGE",
        value_name = "SECS"
    )]
    pub(crate) witness_max_age: Option<u64>,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Make a keystore with new keys and print their fingerprints.
    Init {
        /// Login e-mail address.
        #[arg(long)]
        email: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Join an organisation (pending), or set it up as its first manager with --invite.
    Register {
        /// The organisation.
        #[arg(long)]
        org: OrgId,
        /// The invitation code from the platform admin (first manager only).
        #[arg(long)]
        invite: Option<String>,
    },
    /// Log in with the account password.
    Login,
    /// End the session.
    Logout,
    /// Show the account the session belongs to.
    Whoami {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Organisations and members.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Case files.
    #[command(subcommand)]
    Case(CaseCommand),
    /// Sealed documents.
    #[command(subcommand)]
    Doc(DocCommand),
    /// Own keys and exported document keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Changed keys, taken after comparing fingerprints out of band.
    #[command(subcommand)]
    Trust(TrustCommand),
    /// Auditing the server (auditor account).
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Subcommand)]
pub(crate) enum TrustCommand {
    /// Take a changed organisation root or organisation key (with --org), or a member's changed
    /// keys (with --org and --member), once the new fingerprint was confirmed out of band.
    Accept {
        /// The organisation.
        #[arg(long)]
        org: OrgId,
        /// The member whose keys changed.
        #[arg(long)]
        member: Option<UserId>,
        /// The new key's fingerprint, as the organisation or member read it out to you.
        #[arg(long)]
        fingerprint: String,
    },
}

#[derive(Subcommand)]
pub(crate) enum AuditCommand {
    /// Check what the platform stores, live or from an export: the log, the key directory,
    /// objects, envelopes, that no private key is held, and the access ledger.
    Verify(audit_verify::VerifyArgs),
    /// Cosign the log's latest checkpoint as a witness, after checking it extends the last one
    /// this witness cosigned; the witness key is made on first use and its public key printed.
    Witness {
        /// Name of the witness key, when it is made (default: witness-USER_ID).
        #[arg(long)]
        name: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub(crate) enum OrgCommand {
    /// Create an organisation (platform admin); prints its id and invitation code.
    Create {
        /// Its name.
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Create an auditor's account (platform admin). The auditor runs `vaultctl init` first and
    /// gives you the keystore id it prints; the password you set here (asked for, or read from
    /// `--password-file` / `VAULTCTL_PASSWORD`) is the auditor's, for `vaultctl login`.
    AddAuditor {
        /// The auditor's user id: the keystore id their `vaultctl init` printed.
        user_id: UserId,
        /// The auditor's login e-mail, as given to their `vaultctl init`.
        #[arg(long)]
        email: String,
    },
    /// List organisations.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Members of your organisation, with their key fingerprints.
    Members {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Approve a pending member after comparing their fingerprint with them.
    Approve {
        /// The member.
        user_id: UserId,
        /// practitioner or manager.
        #[arg(long)]
        role: String,
        /// The member fingerprint the member read out to you (`vaultctl keys fingerprint`).
        #[arg(long)]
        fingerprint: String,
    },
    /// Remove a member and rotate the organisation key.
    Remove {
        /// The member.
        user_id: UserId,
    },
}

#[derive(Subcommand)]
pub(crate) enum CaseCommand {
    /// Create a case; prints its id.
    Create {
        /// Working reference, such as NC-2026-0142.
        reference: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Cases of your organisation.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// One case and its documents.
    Show {
        /// The case.
        case_id: CaseId,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Offer a case to another organisation (manager); prints the transfer id.
    Transfer {
        /// The case.
        case_id: CaseId,
        /// The receiving organisation.
        #[arg(long)]
        to: OrgId,
        /// Refuse unless the receiving organisation's root key has this fingerprint.
        #[arg(long, value_name = "FP")]
        expect_fingerprint: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Transfers offered by or to your organisation.
    Transfers {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Accept a transfer offered to your organisation (manager).
    Accept {
        /// The transfer.
        transfer_id: TransferId,
        /// Refuse unless the sending organisation's root key has this fingerprint.
        #[arg(long, value_name = "FP")]
        expect_fingerprint: Option<String>,
    },
    /// Decline a waiting transfer offered to your organisation (manager).
    Decline {
        /// The transfer.
        transfer_id: TransferId,
    },
    /// Withdraw a waiting transfer your organisation offered (manager); the case can then
    /// take documents again and be offered anew.
    Withdraw {
        /// The transfer.
        transfer_id: TransferId,
    },
}

#[derive(Subcommand)]
pub(crate) enum DocCommand {
    /// Seal files into a case; prints one document id per file.
    Seal {
        /// The case.
        case_id: CaseId,
        /// The files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Seal one file into a local age file, as `doc seal` does before uploading, and send
    /// nothing. The fresh document key is not kept, so nobody can open the result: this shows
    /// what the server would receive and how fast this machine seals.
    SealLocal {
        /// The file to seal.
        file: PathBuf,
        /// Where to write the sealed file.
        #[arg(long)]
        out: PathBuf,
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Documents of a case, names and sizes from their sealed metadata.
    List {
        /// The case.
        case_id: CaseId,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Open a document into a file.
    Open {
        /// The document.
        document_id: DocumentId,
        /// Write to this path.
        #[arg(long, conflicts_with = "out_dir")]
        out: Option<PathBuf>,
        /// Write into this directory under the sealed file name (default: current directory).
        #[arg(long)]
        out_dir: Option<PathBuf>,
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Share a document with another organisation.
    Share {
        /// The document.
        document_id: DocumentId,
        /// The receiving organisation.
        #[arg(long)]
        org: OrgId,
        /// Refuse unless the receiving organisation's root key has this fingerprint.
        #[arg(long, value_name = "FP")]
        expect_fingerprint: Option<String>,
    },
    /// Revoke a share.
    Revoke {
        /// The document.
        document_id: DocumentId,
        /// The organisation that loses access.
        #[arg(long)]
        org: OrgId,
    },
    /// Documents shared with your organisation.
    Shared {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Organisations one of your documents is shared with (a previous owner's shares too).
    Shares {
        /// The document.
        document_id: DocumentId,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub(crate) enum KeysCommand {
    /// Write a document key as an age identity file, for the stock `age` tool.
    Export {
        /// The document.
        document_id: DocumentId,
        /// The key file to write (mode 0600).
        #[arg(long)]
        out: PathBuf,
        /// Also save the verified ciphertext here.
        #[arg(long)]
        body: Option<PathBuf>,
    },
    /// Your own encryption and signing fingerprints.
    Fingerprint {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Keep a copy of your locked keystore on the server, for the web app to unlock in the
    /// browser with your passphrase (run again after your keystore changes).
    Upload,
    /// Bring the keystore the server keeps for your account (made in the browser when you
    /// registered in the web app) to this home directory, unlocked with your passphrase
    /// first, then log in and print its fingerprints; an existing keystore is never replaced.
    Fetch {
        /// Your login e-mail address.
        #[arg(long)]
        email: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}
