//! The KZG structured reference string: generated locally (insecure: whoever runs it knows the
//! toxic waste) or loaded from a file in the standard halo2 KZG params format (k as u32 LE, the
//! 2^k G1 powers, their Lagrange form, then g2 and s·g2, points uncompressed).

use crate::error::{Result, ZkError};
use crate::files;
use halo2_proofs::{
    halo2curves::bn256::Bn256,
    poly::{commitment::Params, kzg::commitment::ParamsKZG},
    SerdeFormat,
};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::path::Path;

pub type Srs = ParamsKZG<Bn256>;

/// The largest SRS this tool generates (2^24 powers is ~2 GiB of points).
pub const MAX_GEN_K: u32 = 24;

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
fn expected_size(k: u32) -> u64 {
    4 + 2 * (1u64 << k) * 64 + 2 * 128
}

pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Srs> {
    let bad = |reason: String| ZkError::bad_file(path, "KZG SRS (halo2 params)", reason);
    let k = u32::from_le_bytes(bytes.get(..4).ok_or_else(|| bad("the file is too short".into()))?.try_into().unwrap());
    if !(1..=28).contains(&k) || bytes.len() as u64 != expected_size(k) {
        return Err(bad(format!(
            "{} bytes do not hold an SRS for k = {k} ({} bytes expected)",
            bytes.len(),
            if k <= 28 { expected_size(k) } else { 0 }
        )));
    }
    // the checked format verifies that every point is on the curve
    ParamsKZG::<Bn256>::read_custom(&mut &bytes[..], SerdeFormat::RawBytes).map_err(|e| bad(e.to_string()))
}

pub fn load(path: &Path) -> Result<Srs> {
    from_bytes(&files::read_bytes(path)?, path)
}

/// The SRS for a circuit of 2^k rows: downsized when larger, an error when smaller.
pub fn fit(mut srs: Srs, k: u32, path: &Path) -> Result<Srs> {
    if srs.k() < k {
        return Err(ZkError::SrsTooSmall { path: path.display().to_string(), needed: k, available: srs.k() });
    }
    if srs.k() > k {
        srs.downsize(k);
    }
    Ok(srs)
}
