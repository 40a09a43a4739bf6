//! Prints how fast `seal` and `open` run on this machine, in memory (no disk, no network), so
//! that the cost of the vault's own work can be told apart from I/O in `bench/roundtrip.sh`.
//!
//! `cargo run --release -p vault-core --example seal_speed [MiB]` (default 512).

use std::io::{self, Write};
use std::time::Instant;

use vault_core::keys::SecretKey;
use vault_core::seal::{self, Expected};

/// A reader of `left` pseudo-random bytes, made cheaply so that producing them costs little.
struct Source {
    left: u64,
    state: u64,
}

impl io::Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        for chunk in buf[..n].chunks_mut(8) {
            self.state = self
                .state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let bytes = self.state.to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// Counts bytes and throws them away.
struct Sink(Vec<u8>, bool);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.1 {
            self.0.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn main() {
    let mib: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(512);
    let size = mib * 1024 * 1024;
    let key = SecretKey::generate();

    let start = Instant::now();
    let mut kept = Sink(
        Vec::with_capacity(usize::try_from(size + size / 64).unwrap()),
        true,
    );
    let sealed = seal::seal(
        Source {
            left: size,
            state: 1,
        },
        &key.public_key(),
        &mut kept,
        |_| {},
    )
    .unwrap();
    let seal_secs = start.elapsed().as_secs_f64();

    let start = Instant::now();
    let expected = Expected {
        ciphertext_sha256: Some(sealed.ciphertext_sha256),
        plaintext: Some((sealed.plaintext_size, sealed.plaintext_sha256)),
    };
    seal::open(&kept.0[..], &key, expected, Sink(Vec::new(), false), |_| {}).unwrap();
    let open_secs = start.elapsed().as_secs_f64();

    #[allow(clippy::cast_precision_loss)]
    let mib = mib as f64;
    println!(
        "seal: {mib} MiB in {seal_secs:.2} s = {:.0} MiB/s",
        mib / seal_secs
    );
    println!(
        "open: {mib} MiB in {open_secs:.2} s = {:.0} MiB/s",
        mib / open_secs
    );
    parts(size, &key);
}

/// The two kinds of work inside `seal`, each alone over the same amount of data from one
/// buffer: SHA-256 (done twice by `seal`: plaintext and ciphertext) and age's encryption.
fn parts(size: u64, key: &SecretKey) {
    let buffer = vec![7u8; 256 * 1024];
    let rounds = size / buffer.len() as u64;
    #[allow(clippy::cast_precision_loss)]
    let mib = (rounds * buffer.len() as u64) as f64 / (1024.0 * 1024.0);

    let start = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(seal::sha256(&buffer));
    }
    let secs = start.elapsed().as_secs_f64();
    println!("  part sha256:      {:.0} MiB/s", mib / secs);

    let start = Instant::now();
    let recipient: age::x25519::Recipient = key.public_key().to_string().parse().unwrap();
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
            .unwrap();
    let mut writer = encryptor.wrap_output(io::sink()).unwrap();
    for _ in 0..rounds {
        writer.write_all(&buffer).unwrap();
    }
    writer.finish().unwrap();
    let secs = start.elapsed().as_secs_f64();
    println!("  part age encrypt: {:.0} MiB/s", mib / secs);
}
