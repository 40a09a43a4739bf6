//! Two SHA-256 digests computed on a second thread while the caller encrypts or decrypts.
//!
//! Sealing and opening hash both the plaintext and the ciphertext. On one thread those two
//! passes cost more than the encryption itself; moved to a worker thread they overlap with it,
//! so a two-core machine seals at nearly the speed of encryption alone. The caller copies each
//! piece into one of a few pooled buffers and hands it over; when all buffers are in flight the
//! caller waits, so memory stays at `POOL * BUFFER` whatever the size of the file.

use std::io;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

use ring::digest::{Context, SHA256};
use zeroize::Zeroizing;

/// Bytes per buffer handed to the worker.
const BUFFER: usize = 256 * 1024;
/// Buffers in flight at most: enough for the worker never to wait on the caller.
const POOL: usize = 4;

/// Which of the two digests a piece of data belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    Plaintext,
    Ciphertext,
}

type Piece = (Side, Zeroizing<Vec<u8>>);

/// The caller's end of the worker: feed pieces with [`TwinDigest::update`], collect both
/// digests with [`TwinDigest::finish`]. Dropping it without `finish` stops the worker.
pub(crate) struct TwinDigest {
    pieces: Option<SyncSender<Piece>>,
    free: Receiver<Zeroizing<Vec<u8>>>,
    worker: Option<JoinHandle<[[u8; 32]; 2]>>,
}

impl TwinDigest {
    /// Starts the worker thread.
    pub(crate) fn start() -> io::Result<Self> {
        let (pieces_tx, pieces_rx) = mpsc::sync_channel::<Piece>(POOL);
        let (free_tx, free_rx) = mpsc::channel();
        for _ in 0..POOL {
            // Cannot fail: the receiver is alive in this scope.
            let _ = free_tx.send(Zeroizing::new(Vec::with_capacity(BUFFER)));
        }
        let worker = std::thread::Builder::new()
            .name("vault-digest".into())
            .spawn(move || {
                let mut plain = Context::new(&SHA256);
                let mut cipher = Context::new(&SHA256);
                for (side, piece) in pieces_rx {
                    match side {
                        Side::Plaintext => plain.update(&piece),
                        Side::Ciphertext => cipher.update(&piece),
                    }
                    // The caller may have gone; the buffer is then wiped as it drops.
                    let _ = free_tx.send(piece);
                }
                [digest_bytes(plain), digest_bytes(cipher)]
            })?;
        Ok(Self {
            pieces: Some(pieces_tx),
            free: free_rx,
            worker: Some(worker),
        })
    }

    /// Adds `data` to one of the digests. Waits only when every buffer is in flight.
    pub(crate) fn update(&self, side: Side, data: &[u8]) -> io::Result<()> {
        let Some(pieces) = &self.pieces else {
            return Err(stopped());
        };
        for chunk in data.chunks(BUFFER) {
            let mut buffer = self.free.recv().map_err(|_| stopped())?;
            buffer.clear();
            buffer.extend_from_slice(chunk);
            pieces.send((side, buffer)).map_err(|_| stopped())?;
        }
        Ok(())
    }

    /// Waits for the worker to hash everything it was given; returns the plaintext and the
    /// ciphertext digests, in that order.
    pub(crate) fn finish(mut self) -> io::Result<([u8; 32], [u8; 32])> {
        self.pieces = None;
        let worker = self.worker.take().ok_or_else(stopped)?;
        let [plain, cipher] = worker.join().map_err(|_| stopped())?;
        Ok((plain, cipher))
    }
}

impl Drop for TwinDigest {
    fn drop(&mut self) {
        self.pieces = None;
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

fn digest_bytes(ctx: Context) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

fn stopped() -> io::Error {
    io::Error::other("the hashing thread stopped")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_digests_match_single_threaded_hashing() {
        let plain: Vec<u8> = (0..700_000u32).map(|i| (i % 251) as u8).collect();
        let cipher: Vec<u8> = plain.iter().rev().copied().collect();
        let twin = TwinDigest::start().unwrap();
        for (p, c) in plain.chunks(65_537).zip(cipher.chunks(4_099)) {
            twin.update(Side::Plaintext, p).unwrap();
            twin.update(Side::Ciphertext, c).unwrap();
        }
        let rest = 4_099 * plain.chunks(65_537).count();
        twin.update(Side::Ciphertext, &cipher[rest..]).unwrap();
        let (p, c) = twin.finish().unwrap();
        assert_eq!(p, crate::seal::sha256(&plain));
        assert_eq!(c, crate::seal::sha256(&cipher));
    }

    #[test]
    fn nothing_hashed_gives_the_empty_digests() {
        let (p, c) = TwinDigest::start().unwrap().finish().unwrap();
        assert_eq!(p, crate::seal::sha256(b""));
        assert_eq!(c, p);
    }
}
