//! The downsized SRS kept beside the SRS file it came from, `<file>.k<k>.cache`: a zkinfer header,
//! the SHA-256 of the source file, then the downsized SRS in the standard format.
//!
//! A cache is used only when everything checks: the header, the source's digest, a well-formed
//! SRS of that k whose powers and G2 points are byte for byte the source's, and a Lagrange basis
//! that matches those powers ([`super::lagrange::is_consistent`]). Anything else (a stale,
//! truncated or edited file) is ignored and rewritten, atomically.

use super::{lagrange, Srs};
use crate::error::Result;
use crate::files::{self, SRS_CACHE};
use halo2_proofs::poly::commitment::Params;
use std::path::{Path, PathBuf};

/// `srs.bin` → `srs.bin.k14.cache`, beside it.
pub fn cache_path(srs: &Path, k: u32) -> PathBuf {
    let name = srs.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "srs".into());
    srs.with_file_name(format!("{name}.k{k}.cache"))
}

pub fn save(path: &Path, source_digest: &[u8; 32], srs: &Srs) -> Result<()> {
    files::write_atomic(path, |w| {
        SRS_CACHE.write(w)?;
        files::write_block(w, source_digest)?;
        files::write_block(w, &super::to_bytes(srs))
    })
}

/// The cached SRS at `path` when it was cut to `k` from exactly `source` (whose SHA-256 is
/// `source_digest`), and is intact.
pub fn load(path: &Path, source_digest: &[u8; 32], k: u32, source: &[u8]) -> Option<Srs> {
    let bytes = std::fs::read(path).ok()?;
    let mut r = bytes.as_slice();
    SRS_CACHE.check(path, &mut r).ok()?;
    let digest = files::read_block(&mut r, bytes.len()).ok()?;
    let block = files::read_block(&mut r, bytes.len()).ok()?;
    if !r.is_empty() || digest != source_digest {
        return None;
    }
    let srs = super::from_bytes(&block, path).ok()?;
    let powers = 4..4 + (1usize << k) * 64;
    let g2 = block.len().checked_sub(256)?..block.len();
    let from_source = srs.k() == k
        && block.get(powers.clone()) == source.get(powers)
        && block.get(g2) == source.get(source.len().checked_sub(256)?..);
    (from_source && lagrange::is_consistent(&srs)).then_some(srs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn a_cache_is_used_only_for_its_own_source_and_intact() {
        let dir = tempfile::tempdir().unwrap();
        let big = crate::srs::generate_insecure(6, 1).unwrap();
        let source = crate::srs::to_bytes(&big);
        let digest: [u8; 32] = Sha256::digest(&source).into();
        let small = crate::srs::downsize(&big, 4);
        let path = cache_path(&dir.path().join("srs.bin"), 4);
        assert!(path.ends_with("srs.bin.k4.cache"));
        save(&path, &digest, &small).unwrap();
        let loaded = load(&path, &digest, 4, &source).expect("a fresh cache loads");
        assert_eq!(crate::srs::to_bytes(&loaded), crate::srs::to_bytes(&small));
        // another source (same k, other secret), another k, or an edited point: not used
        let other = crate::srs::to_bytes(&crate::srs::generate_insecure(6, 2).unwrap());
        assert!(load(&path, &Sha256::digest(&other).into(), 4, &other).is_none());
        assert!(load(&path, &digest, 3, &source).is_none());
        let mut bytes = std::fs::read(&path).unwrap();
        // two Lagrange points swapped: each still on the curve, the basis no longer the powers'
        let (a, b) = (bytes.len() - 256 - 128, bytes.len() - 256 - 64);
        let first = bytes[a..b].to_vec();
        bytes.copy_within(b..b + 64, a);
        bytes[b..b + 64].copy_from_slice(&first);
        std::fs::write(&path, &bytes).unwrap();
        assert!(load(&path, &digest, 4, &source).is_none());
    }
}
