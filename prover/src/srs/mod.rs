//! The KZG structured reference string: generated locally (insecure: whoever runs it knows the
//! toxic waste) or loaded from a file in the standard halo2 KZG params format (k as u32 LE, the
//! 2^k G1 powers, their Lagrange form, then g2 and s·g2, points uncompressed).
//!
//! A circuit smaller than the SRS needs the SRS cut to its k, whose Lagrange basis is a group
//! FFT: [`lagrange`] computes it about three times faster than halo2, and [`load_fitted`] keeps
//! the result beside the SRS file ([`cache`]) so that the next `setup` at that k reuses it.

mod cache;
mod lagrange;

pub use cache::cache_path;

use crate::error::{Result, ZkError};
use crate::files;
use halo2_proofs::{
    halo2curves::{
        bn256::{Bn256, G1Affine, G2Affine},
        serde::SerdeObject,
    },
    poly::{
        commitment::{Params, ParamsProver},
        kzg::commitment::ParamsKZG,
    },
    SerdeFormat,
};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

pub type Srs = ParamsKZG<Bn256>;

/// The largest SRS this tool generates (2^24 powers is ~2 GiB of points).
pub const MAX_GEN_K: u32 = 24;

/// The largest k a file may declare (BN254's 2-adicity allows 28).
const MAX_FILE_K: u32 = 28;

/// Deterministic from `seed`. INSECURE: anyone with the seed can forge proofs.
pub fn generate_insecure(k: u32, seed: u64) -> Result<Srs> {
    if !(1..=MAX_GEN_K).contains(&k) {
        return Err(ZkError::Compile(format!("--k must be between 1 and {MAX_GEN_K}, got {k}")));
    }
    Ok(ParamsKZG::<Bn256>::setup(k, ChaCha20Rng::seed_from_u64(seed)))
}

pub fn save(srs: &Srs, path: &Path) -> Result<()> {
    files::write_atomic(path, |mut w| srs.write_custom(&mut w, SerdeFormat::RawBytes))
}

pub fn to_bytes(srs: &Srs) -> Vec<u8> {
    let mut bytes = Vec::new();
    srs.write_custom(&mut bytes, SerdeFormat::RawBytes).expect("writing to memory");
    bytes
}

/// Size in bytes of a k-SRS in the standard format.
pub(crate) fn expected_size(k: u32) -> u64 {
    4 + 2 * (1u64 << k) * 64 + 2 * 128
}

/// The k a file of `len` bytes starting with `head` declares, after checking that `len` is the
/// size of a k-SRS; says what the file is instead when it is another kind of file.
fn declared_k(head: &[u8], len: u64, path: &Path) -> Result<u32> {
    let bad = |reason: String| ZkError::bad_file(path, "KZG SRS (halo2 params)", reason);
    if let Some(kind) = files::identify(head, len, path).filter(|kind| kind != files::SRS_KIND) {
        return Err(bad(format!("it is {kind}, not an SRS")));
    }
    let k = u32::from_le_bytes(head.get(..4).ok_or_else(|| bad("the file is too short".into()))?.try_into().unwrap());
    if !(1..=MAX_FILE_K).contains(&k) || len != expected_size(k) {
        return Err(bad(format!(
            "{len} bytes do not hold an SRS for k = {k} ({} bytes expected)",
            if k <= MAX_FILE_K { expected_size(k) } else { 0 }
        )));
    }
    Ok(k)
}

pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Srs> {
    let k = declared_k(bytes, bytes.len() as u64, path)?;
    let bad = |reason: String| ZkError::bad_file(path, "KZG SRS (halo2 params)", reason);
    check_points(bytes, k).map_err(bad)?;
    // `RawBytes` checks that coordinates are canonical field elements, not that points are on
    // the curve: `check_points` did that
    ParamsKZG::<Bn256>::read_custom(&mut &bytes[..], SerdeFormat::RawBytes).map_err(|e| bad(e.to_string()))
}

/// That every point of a k-SRS in the standard layout is on its curve (for BN254's G1, whose
/// cofactor is 1, that is also membership of the group).
fn check_points(bytes: &[u8], k: u32) -> std::result::Result<(), String> {
    let n = 1usize << k;
    let g1 = &bytes[4..4 + 2 * n * 64];
    let off = g1.par_chunks(64).position_any(|p| G1Affine::from_raw_bytes(p).is_none());
    if let Some(i) = off {
        let which = if i < n { format!("power #{i}") } else { format!("Lagrange point #{}", i - n) };
        return Err(format!("G1 {which} is not a point of the curve"));
    }
    let g2 = &bytes[4 + 2 * n * 64..];
    match g2.chunks(128).position(|p| G2Affine::from_raw_bytes(p).is_none()) {
        Some(i) => Err(format!("{} is not a point of the curve", ["g2", "s·g2"][i])),
        None => Ok(()),
    }
}

pub fn load(path: &Path) -> Result<Srs> {
    from_bytes(&files::read_bytes(path)?, path)
}

/// The SRS for a circuit of 2^k rows: downsized when larger, an error when smaller.
pub fn fit(srs: Srs, k: u32, path: &Path) -> Result<Srs> {
    if srs.k() < k {
        return Err(ZkError::SrsTooSmall { path: path.display().to_string(), needed: k, available: srs.k() });
    }
    Ok(if srs.k() > k { downsize(&srs, k) } else { srs })
}

/// `srs` cut to its first 2^k powers, with their Lagrange basis. The fast basis is checked
/// against the powers (milliseconds); should the check ever fail, halo2's own downsizing is used.
pub fn downsize(srs: &Srs, k: u32) -> Srs {
    let g = srs.get_g()[..1 << k].to_vec();
    let basis = lagrange::lagrange_basis(&g, k);
    let small = srs.from_parts(k, g, Some(basis), srs.g2(), srs.s_g2());
    if lagrange::is_consistent(&small) {
        return small;
    }
    let mut slow = srs.clone();
    slow.downsize(k);
    slow
}

/// How [`load_fitted`] came by its SRS.
#[derive(Clone, Debug, PartialEq)]
pub enum Downsizing {
    /// The file's k is the circuit's.
    None,
    /// Read from the cache file, checked against the SRS file.
    Cached(PathBuf),
    /// Computed and written to the cache file.
    Computed(PathBuf),
    /// Computed; the cache file could not be written (the reason).
    Uncached(String),
}

/// The SRS file at `path` fitted to a circuit of 2^k rows, and how: see [`SrsFile::fitted`].
pub fn load_fitted(path: &Path, k: u32) -> Result<(Srs, u32, Downsizing)> {
    SrsFile::read(path)?.fitted(k)
}

/// An SRS file's bytes, read once: a caller that needs the SRS itself and a cut of it (the
/// aggregation's layers) reads and hashes the file once. (Without a cached cut, making it parses
/// the points a second time, once per SRS file and k.)
pub struct SrsFile {
    path: PathBuf,
    bytes: Vec<u8>,
    k: u32,
}

impl SrsFile {
    pub fn read(path: &Path) -> Result<Self> {
        let bytes = files::read_bytes(path)?;
        let k = declared_k(&bytes, bytes.len() as u64, path)?;
        Ok(SrsFile { path: path.to_path_buf(), bytes, k })
    }

    /// The k the file declares.
    pub fn k(&self) -> u32 {
        self.k
    }

    /// The whole SRS, every point checked.
    pub fn srs(&self) -> Result<Srs> {
        from_bytes(&self.bytes, &self.path)
    }

    /// The SRS fitted to a circuit of 2^k rows, the file's k, and how: a larger SRS is downsized
    /// once and the result cached beside the file (`<file>.k<k>.cache`, keyed by the file's
    /// SHA-256 and checked on every load), so that later runs at that k skip the FFT.
    pub fn fitted(&self, k: u32) -> Result<(Srs, u32, Downsizing)> {
        let (bytes, path, file_k) = (&self.bytes, self.path.as_path(), self.k);
        if file_k < k {
            return Err(ZkError::SrsTooSmall { path: path.display().to_string(), needed: k, available: file_k });
        }
        if file_k == k {
            return Ok((self.srs()?, file_k, Downsizing::None));
        }
        let digest: [u8; 32] = Sha256::digest(bytes).into();
        let cache = cache_path(path, k);
        if let Some(srs) = cache::load(&cache, &digest, k, bytes) {
            return Ok((srs, file_k, Downsizing::Cached(cache)));
        }
        let small = downsize(&self.srs()?, k);
        let how = match cache::save(&cache, &digest, &small) {
            Ok(()) => Downsizing::Computed(cache),
            Err(e) => Downsizing::Uncached(e.to_string()),
        };
        Ok((small, file_k, how))
    }
}

/// The k an SRS file declares (its first four bytes, after checking its size), without
/// reading the whole file.
pub fn file_k(path: &Path) -> Result<u32> {
    let (head, len) = files::read_head(path)?;
    declared_k(&head, len, path)
}
