//! Inspecting the header of an age file without any key.
//!
//! The server uses this to refuse uploads that are not age v1 files before it stores a byte
//! past the header, and auditors use it to list the recipient stanzas of stored objects. The
//! header is validated by the age crate's own parser; this module only finds where the header
//! ends and reads the stanza tags and arguments, which age does not expose.

/// The first line of every age v1 file.
pub const MAGIC: &[u8] = b"age-encryption.org/v1\n";
/// Largest header accepted: a document is wrapped to one key, so real headers are ~200 bytes.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;
/// Bytes of payload nonce that follow the header.
const NONCE_BYTES: usize = 16;

/// Why a header was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderError {
    /// The file does not start with the age v1 magic line.
    #[error("not an age v1 file")]
    NotAge,
    /// The header is longer than [`MAX_HEADER_BYTES`].
    #[error("age header is too large")]
    TooLarge,
    /// The header ended before its MAC line and payload nonce.
    #[error("age file is truncated inside its header")]
    Truncated,
    /// The header does not parse as a well-formed age v1 header.
    #[error("age header is malformed")]
    Malformed,
    /// A recipient stanza is not a well-formed X25519 stanza (the only kind documents use).
    #[error("age header has a recipient stanza other than a well-formed X25519 one")]
    NotX25519,
}

/// One recipient stanza: its type, arguments and decoded body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stanza {
    /// The stanza type, such as `X25519` or `scrypt`.
    pub tag: String,
    /// The arguments after the tag.
    pub args: Vec<String>,
    /// The body, base64-decoded (empty if it did not decode; age's parser refuses those).
    pub body: Vec<u8>,
}

impl Stanza {
    /// Checks the X25519 stanza rules that age applies only when it holds the matching key:
    /// one argument, the canonical unpadded base64 of a 32-byte share that is not a point of
    /// small order, and a 32-byte body (wrapped file key and tag).
    fn is_valid_x25519(&self) -> bool {
        use base64::engine::general_purpose::STANDARD_NO_PAD;
        use base64::Engine as _;
        let [arg] = self.args.as_slice() else {
            return false;
        };
        let Ok(share) = STANDARD_NO_PAD.decode(arg) else {
            return false;
        };
        share.len() == 32 && self.body.len() == 32 && !is_small_order(&share)
    }
}

/// ring refuses an X25519 agreement whose result is all zeros, which happens exactly when the
/// peer's share is a point of small order: such a share would make the wrap key predictable.
fn is_small_order(share: &[u8]) -> bool {
    use ring::agreement::{agree_ephemeral, EphemeralPrivateKey, UnparsedPublicKey, X25519};
    let rng = ring::rand::SystemRandom::new();
    let Ok(ours) = EphemeralPrivateKey::generate(&X25519, &rng) else {
        return true;
    };
    agree_ephemeral(ours, &UnparsedPublicKey::new(&X25519, share), |_| ()).is_err()
}

/// What the header says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderInfo {
    /// Length of the header including its MAC line (the payload nonce follows).
    pub header_len: usize,
    /// Recipient stanzas in order.
    pub stanzas: Vec<Stanza>,
}

impl HeaderInfo {
    /// True when every stanza is an X25519 stanza (besides the random `*-grease` stanzas the
    /// age crate adds so that parsers stay tolerant): the only kind the product writes for
    /// documents and envelopes.
    #[must_use]
    pub fn x25519_only(&self) -> bool {
        let mut real = self
            .stanzas
            .iter()
            .filter(|s| !s.tag.ends_with("-grease"))
            .peekable();
        real.peek().is_some() && real.all(|s| s.tag == "X25519")
    }

    /// Refuses a header unless it has at least one X25519 stanza, every X25519 stanza is well
    /// formed, and no scrypt stanza is present: what the server requires of every uploaded body
    /// and clients of every body they open. Stanzas of other types are ignored, as age ignores
    /// them (age itself adds random "grease" stanzas so that parsers stay tolerant).
    pub fn require_x25519(&self) -> Result<(), HeaderError> {
        let x25519: Vec<&Stanza> = self.stanzas.iter().filter(|s| s.tag == "X25519").collect();
        let scrypt = self.stanzas.iter().any(|s| s.tag == "scrypt");
        if !x25519.is_empty() && !scrypt && x25519.iter().all(|s| s.is_valid_x25519()) {
            Ok(())
        } else {
            Err(HeaderError::NotX25519)
        }
    }

    /// The scrypt work factor (log2 N) of a passphrase-locked file, if it is one and the
    /// factor is written as age writes it: decimal digits without a leading zero (`018` or
    /// `+18` would parse, but a file edited that way no longer opens).
    #[must_use]
    pub fn scrypt_work_factor(&self) -> Option<u8> {
        match self.stanzas.as_slice() {
            [s] if s.tag == "scrypt" && s.args.len() == 2 => {
                let digits = s.args[1].as_str();
                let canonical = digits.bytes().all(|b| b.is_ascii_digit())
                    && (digits == "0" || !digits.starts_with('0'));
                canonical.then(|| digits.parse().ok()).flatten()
            }
            _ => None,
        }
    }
}

/// Result of looking at the first bytes of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeaderCheck {
    /// More bytes are needed to see the whole header and nonce.
    NeedMore,
    /// The header is complete and well formed.
    Valid(HeaderInfo),
}

/// Checks the header at the start of `prefix`.
///
/// Call it with a growing prefix until it answers [`HeaderCheck::Valid`] or an error; if the
/// stream ends while it still answers `NeedMore`, the file is [`HeaderError::Truncated`].
pub fn check_header(prefix: &[u8]) -> Result<HeaderCheck, HeaderError> {
    let head = &prefix[..prefix.len().min(MAGIC.len())];
    if !MAGIC.starts_with(head) {
        return Err(HeaderError::NotAge);
    }
    let Some(header_len) = find_header_end(prefix) else {
        return if prefix.len() > MAX_HEADER_BYTES {
            Err(HeaderError::TooLarge)
        } else {
            Ok(HeaderCheck::NeedMore)
        };
    };
    if header_len > MAX_HEADER_BYTES {
        return Err(HeaderError::TooLarge);
    }
    if prefix.len() < header_len + NONCE_BYTES {
        return Ok(HeaderCheck::NeedMore);
    }
    // The age crate's parser is the authority on well-formedness.
    age::Decryptor::new_buffered(&prefix[..header_len + NONCE_BYTES])
        .map_err(|_| HeaderError::Malformed)?;
    let text = std::str::from_utf8(&prefix[MAGIC.len()..header_len])
        .map_err(|_| HeaderError::Malformed)?;
    let stanzas = parse_stanzas(text).ok_or(HeaderError::Malformed)?;
    Ok(HeaderCheck::Valid(HeaderInfo {
        header_len,
        stanzas,
    }))
}

/// Reads stanzas from the header text after the magic line: a `-> tag args…` line, then body
/// lines of 64 base64 characters ending with a shorter one (possibly empty). `None` when a
/// stanza lacks that final short line, which age's spec forbids.
fn parse_stanzas(text: &str) -> Option<Vec<Stanza>> {
    use base64::engine::general_purpose::STANDARD_NO_PAD;
    use base64::Engine as _;
    let mut stanzas = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(rest) = line.strip_prefix("-> ") else {
            continue;
        };
        let mut parts = rest.split(' ').map(str::to_owned);
        let tag = parts.next().unwrap_or_default();
        let mut body_text = String::new();
        let mut ended = false;
        while let Some(body_line) =
            lines.next_if(|l| !l.starts_with("-> ") && !l.starts_with("---"))
        {
            body_text.push_str(body_line);
            if body_line.len() < 64 {
                ended = true;
                break;
            }
        }
        if !ended {
            return None;
        }
        let body = STANDARD_NO_PAD.decode(&body_text).unwrap_or_default();
        stanzas.push(Stanza {
            tag,
            args: parts.collect(),
            body,
        });
    }
    Some(stanzas)
}

/// Index just past the `--- <mac>\n` line, if the prefix holds it.
fn find_header_end(prefix: &[u8]) -> Option<usize> {
    let limit = prefix.len().min(MAX_HEADER_BYTES + 1);
    let window = &prefix[..limit];
    let start = window.windows(5).position(|w| w == b"\n--- ")? + 1;
    let newline = window[start..].iter().position(|b| *b == b'\n')?;
    Some(start + newline + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SecretKey;

    fn sample() -> Vec<u8> {
        let key = SecretKey::generate();
        let mut out = Vec::new();
        crate::seal::seal(&b"hello"[..], &key.public_key(), &mut out, |_| {}).unwrap();
        out
    }

    #[test]
    fn accepts_a_real_file_once_the_header_is_whole() {
        let file = sample();
        let HeaderCheck::Valid(info) = check_header(&file).unwrap() else {
            panic!("not valid")
        };
        assert!(info.x25519_only());
        assert_eq!(info.require_x25519(), Ok(()));
        for cut in 0..info.header_len + NONCE_BYTES {
            assert_eq!(
                check_header(&file[..cut]),
                Ok(HeaderCheck::NeedMore),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn refuses_other_formats() {
        assert_eq!(check_header(b"%PDF-1.7\n"), Err(HeaderError::NotAge));
        assert_eq!(check_header(&[b'a'; 10]), Err(HeaderError::NotAge));
    }

    #[test]
    fn refuses_an_endless_header() {
        let mut file = MAGIC.to_vec();
        file.extend(std::iter::repeat_n(b'A', MAX_HEADER_BYTES + 10));
        assert_eq!(check_header(&file), Err(HeaderError::TooLarge));
    }
}
