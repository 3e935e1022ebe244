//! Aggregates (`zkinfer aggregate`): many proofs, made with `prove --for-aggregation`, verified
//! inside one halo2 circuit (`zkinfer_aggregation`), whose one proof a Solidity verifier checks.
//!
//! Files: the aggregate bundle (`aggregate.json`: the inner proof bundles, then the aggregate's
//! instances and proof) and the aggregation verifying key (header, then length-prefixed blocks:
//! JSON [`AggregateInfo`], the aggregation SRS, the halo2 key). The key pins the inner models:
//! the aggregation circuit holds their verifying keys as constants.
//!
//! Compressed (`first_k`): the proofs are aggregated at `first_k` (proved with the Poseidon
//! transcript), and that aggregate is verified again by a compression circuit at the SRS's k,
//! in fewer columns, repeated until the last circuit has at most two advice columns (at most
//! three times): the last proof is the one verified on-chain, and its verifier costs about the
//! same for 2 proofs or 16. The key file then holds the last circuit's key; it pins the key of
//! the layer below, and so down to the models.

use crate::error::{Result, ZkError};
use crate::files::{self, AGGREGATE_VK};
use crate::keys::{KeyInfo, ParamsPin, VerifyingKeyFile};
use crate::proof::{fr_to_hex, ProofBundle, Transcript};
use crate::srs::{self, Srs};
use crate::verify::check_public;
use halo2_proofs::{
    halo2curves::bn256::{Fr, G1Affine},
    plonk::VerifyingKey,
    SerdeFormat,
};
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::Path;
use zkinfer_aggregation::circuit::{keygen, prove, AggregationLayout, Layer};
use zkinfer_aggregation::inner::{aggregate_placeholder, aggregate_snark, fits, placeholder, InnerProof};
use zkinfer_aggregation::shplonk::{Keccak, Poseidon};
use zkinfer_aggregation::verify::Rejection;
use zkinfer_aggregation::Snark;
use zkinfer_aggregation::ACCUMULATOR_LIMBS;

pub const AGGREGATE_FORMAT: &str = "zkinfer-aggregate";
pub const AGGREGATE_VERSION: u32 = 1;

/// One aggregated proof and the proofs it stands for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AggregateBundle {
    pub format: String,
    pub version: u32,
    /// The inner proofs, in the order their instances follow the accumulator.
    pub proofs: Vec<ProofBundle>,
    /// The aggregate's public instances (32-byte hex): 12 accumulator limbs, then every inner
    /// proof's instances.
    pub instances: Vec<String>,
    /// The aggregate's proof bytes (Keccak transcript), hex.
    pub proof: String,
}

/// What the aggregation verifying key says besides the halo2 key.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AggregateInfo {
    /// The inner models' key infos, in aggregation order.
    pub inner: Vec<KeyInfo>,
    /// The layout of the circuit whose key this is (the compression layer's, when compressed).
    pub layout: AggregationLayout,
    /// When compressed: the layers before this key's, first to last (the first verifies the
    /// model proofs at its own k, each next one the aggregate before it).
    #[serde(default)]
    pub earlier_layers: Vec<AggregationLayout>,
}

pub struct AggregateKeyFile {
    pub info: AggregateInfo,
    pub srs: Srs,
    pub vk: VerifyingKey<G1Affine>,
}

/// The aggregation keys for proofs of `models`, in this order (one entry per slot), with `srs`
/// the aggregation SRS (and with `first_k`, the first layer at that k, compressed at the SRS's).
/// They depend on the models' verifying keys and the SRS alone, never on a proof: a verifier makes
/// the same aggregate.vk from the model keys it trusts (`zkinfer aggregate-setup`) and need not
/// take the aggregator's.
pub fn aggregation_keys(models: &[&VerifyingKeyFile], srs: Srs, first_k: Option<u32>) -> Result<AggregateKeyFile> {
    Ok(build(models, srs, first_k, None)?.0)
}

/// Aggregates `proofs` (each with its model's verifying key) with `srs`, the aggregation SRS
/// (compressed when `first_k` is given): generates the aggregation keys, then proves. Every inner
/// proof is checked first.
pub fn aggregate(
    proofs: &[(&ProofBundle, &VerifyingKeyFile)],
    srs: Srs,
    first_k: Option<u32>,
) -> Result<(AggregateBundle, AggregateKeyFile)> {
    let models: Vec<&VerifyingKeyFile> = proofs.iter().map(|(_, k)| *k).collect();
    let (key, proved) = build(&models, srs, first_k, Some(proofs))?;
    let (instances, proof) = proved.expect("proofs given");
    let bundle = AggregateBundle {
        format: AGGREGATE_FORMAT.into(),
        version: AGGREGATE_VERSION,
        proofs: proofs.iter().map(|(b, _)| (*b).clone()).collect(),
        instances: instances.iter().map(fr_to_hex).collect(),
        proof: hex::encode(proof),
    };
    Ok((bundle, key))
}

type Proved = Option<(Vec<Fr>, Vec<u8>)>;

/// The keys of every layer and, given proofs, the final proof. Each layer's proving key is
/// dropped before the next is made (a first layer of eight proofs holds about 10 GB).
fn build(
    models: &[&VerifyingKeyFile],
    srs: Srs,
    first_k: Option<u32>,
    proofs: Option<&[(&ProofBundle, &VerifyingKeyFile)]>,
) -> Result<(AggregateKeyFile, Proved)> {
    use halo2_proofs::poly::commitment::Params;
    let first_srs = match first_k {
        Some(k) if k >= srs.k() => {
            return Err(ZkError::Rejected(format!(
            "the first layer's k ({k}) must be below the aggregation SRS's ({}), where the compression layer is proved",
            srs.k()
        )))
        }
        Some(k) => Some(srs::downsize(&srs, k)),
        None => None,
    };
    let first = first_srs.as_ref().unwrap_or(&srs);
    let placeholders = model_placeholders(models, first)?;
    let snarks = proofs
        .map(|ps| ps.iter().enumerate().map(|(i, (b, k))| inner_snark(i, b, k, first)).collect::<Result<Vec<_>>>())
        .transpose()?;
    let inner = models.iter().map(|k| k.info.clone()).collect();
    if first_srs.is_none() {
        let (vk, layout, proved) = layer::<_, Keccak<Vec<u8>>>(&srs, &placeholders, Layer::Models, snarks.as_deref())?;
        let info = AggregateInfo { inner, layout, earlier_layers: vec![] };
        return Ok((AggregateKeyFile { info, srs, vk }, proved));
    }
    let (mut vk, mut layout, mut proved) =
        layer::<_, Poseidon<Vec<u8>>>(first, &placeholders, Layer::Models, snarks.as_deref())?;
    let mut earlier = Vec::new();
    let mut below = first;
    for compression in 1..=MAX_COMPRESSIONS {
        let aggregate = proved
            .map(|(instances, proof)| aggregate_snark(below, &vk, instances, proof).map(|s| vec![s]))
            .transpose()
            .map_err(|e| ZkError::Prove(e.to_string()))?;
        let compressing = [aggregate_placeholder(below, &vk, layout.num_instances)];
        earlier.push(layout);
        let (next_vk, pk, next_layout) = keygen(&srs, &compressing, aggregate.is_some(), Layer::Compression)
            .map_err(|e| ZkError::Prove(e.to_string()))?;
        // the last layer is the one verified on-chain (Keccak); the others are compressed again
        let last = next_layout.config.num_advice <= FINAL_ADVICE || compression == MAX_COMPRESSIONS;
        proved = match (aggregate, pk) {
            (Some(snarks), Some(pk)) => Some(
                if last {
                    prove::<_, Keccak<Vec<u8>>>(&srs, &pk, &next_layout, &snarks)
                } else {
                    prove::<_, Poseidon<Vec<u8>>>(&srs, &pk, &next_layout, &snarks)
                }
                .map_err(|e| ZkError::Prove(e.to_string()))?,
            ),
            _ => None,
        };
        (vk, layout, below) = (next_vk, next_layout, &srs);
        if last {
            break;
        }
    }
    let info = AggregateInfo { inner, layout, earlier_layers: earlier };
    Ok((AggregateKeyFile { info, srs, vk }, proved))
}

/// Compression repeats until its circuit has at most this many advice columns (then its
/// verifier costs about the same for 2 proofs or 16), at most [`MAX_COMPRESSIONS`] times.
const FINAL_ADVICE: usize = 2;
const MAX_COMPRESSIONS: usize = 3;

/// Placeholders of the model slots (key generation reads only their keys), after checking that
/// each model can be aggregated with `srs`.
fn model_placeholders(models: &[&VerifyingKeyFile], srs: &Srs) -> Result<Vec<Snark>> {
    let mut placeholders = Vec::with_capacity(models.len());
    for (index, key) in models.iter().enumerate() {
        let label = format!("model '{}'", key.info.model_name);
        if matches!(key.info.params_pin, ParamsPin::Instances { .. }) {
            return Err(ZkError::Rejected(format!("proof #{index} ({label}): its model's parameters are witness values pinned by their instances, which the aggregate verifier does not check yet; compile it with fixed parameters to aggregate it")));
        }
        fits(index, &label, &key.srs, srs).map_err(|e| ZkError::Rejected(e.to_string()))?;
        placeholders.push(placeholder(&key.srs, &key.vk, key.info.num_instances()));
    }
    Ok(placeholders)
}

/// One aggregation circuit's keys, and with `snarks` its proof over transcript `T` (the proving
/// key is made only then, and dropped on return).
fn layer<E, T>(
    srs: &Srs,
    placeholders: &[Snark],
    layer: Layer,
    snarks: Option<&[Snark]>,
) -> Result<(VerifyingKey<G1Affine>, AggregationLayout, Proved)>
where
    E: halo2_proofs::transcript::EncodedChallenge<G1Affine>,
    T: halo2_proofs::transcript::TranscriptWriterBuffer<Vec<u8>, G1Affine, E>,
{
    let (vk, pk, layout) =
        keygen(srs, placeholders, snarks.is_some(), layer).map_err(|e| ZkError::Prove(e.to_string()))?;
    let proved = match (snarks, pk) {
        (Some(snarks), Some(pk)) => {
            Some(prove::<E, T>(srs, &pk, &layout, snarks).map_err(|e| ZkError::Prove(e.to_string()))?)
        }
        _ => None,
    };
    Ok((vk, layout, proved))
}

fn inner_snark(index: usize, bundle: &ProofBundle, key: &VerifyingKeyFile, srs: &Srs) -> Result<Snark> {
    let label = format!("model '{}'", bundle.model_name);
    let refuse = |reason: String| ZkError::Rejected(format!("proof #{index} ({label}): {reason}"));
    if bundle.transcript != Transcript::Poseidon {
        return Err(refuse("it was made for on-chain verification (Keccak transcript); prove it again with `zkinfer prove --for-aggregation`".into()));
    }
    let instances = check_public(&key.info, bundle).map_err(|e| refuse(e.to_string()))?;
    let inner = InnerProof { label, srs: &key.srs, vk: &key.vk, instances, proof: bundle.proof_bytes()? };
    inner.to_snark(index, srs).map_err(|e| ZkError::Rejected(e.to_string()))
}

/// Accepts the aggregate only if each inner bundle is for its slot's model and states exactly
/// its instances, the aggregate's instances are the accumulator then those, and the aggregate
/// proof and its accumulator verify.
pub fn verify_aggregate(key: &AggregateKeyFile, bundle: &AggregateBundle) -> Result<()> {
    if bundle.proofs.len() != key.info.inner.len() {
        return Err(ZkError::Rejected(format!(
            "the aggregate holds {} proofs, its verifying key aggregates {}",
            bundle.proofs.len(),
            key.info.inner.len()
        )));
    }
    let instances = aggregate_instances(bundle)?;
    let mut at = ACCUMULATOR_LIMBS;
    for (i, (inner, info)) in bundle.proofs.iter().zip(&key.info.inner).enumerate() {
        // only the aggregate's proof is checked; an inner bundle says what its slot proves
        if inner.transcript != Transcript::Poseidon {
            return Err(ZkError::Rejected(format!(
                "inner proof #{i} is not a proof for aggregation (its transcript is not Poseidon)"
            )));
        }
        let shown = check_public(info, inner).map_err(|e| ZkError::Rejected(format!("inner proof #{i}: {e}")))?;
        if instances.get(at..at + shown.len()) != Some(shown.as_slice()) {
            return Err(ZkError::Rejected(format!(
                "inner proof #{i}'s instances are not the ones the aggregate carries for it"
            )));
        }
        at += shown.len();
    }
    if at != instances.len() || at != key.info.layout.num_instances {
        return Err(ZkError::Rejected(format!(
            "the aggregate has {} instances, its key {}",
            instances.len(),
            key.info.layout.num_instances
        )));
    }
    let proof = bundle.proof_bytes()?;
    zkinfer_aggregation::verify::verify(&key.srs, &key.vk, &instances, &proof).map_err(|r| {
        ZkError::Rejected(match r {
            Rejection::Proof => "the aggregate proof does not verify for these public instances".into(),
            Rejection::Accumulator => {
                "the aggregate proof holds but its accumulator's pairing does not: an inner proof is invalid".into()
            }
        })
    })
}

fn aggregate_instances(bundle: &AggregateBundle) -> Result<Vec<Fr>> {
    crate::proof::parse_hex_instances(&bundle.instances, "aggregate")
}

impl AggregateBundle {
    pub fn save(&self, path: &Path) -> Result<()> {
        files::write_json(path, self)
    }

    pub fn load(path: &Path) -> Result<Self> {
        files::read_versioned_json(path, "aggregate proof", AGGREGATE_FORMAT, AGGREGATE_VERSION)
    }

    pub fn proof_bytes(&self) -> Result<Vec<u8>> {
        hex::decode(self.proof.trim_start_matches("0x"))
            .map_err(|e| ZkError::Rejected(format!("the aggregate's proof is not hex ({e})")))
    }

    /// The instances as 32-byte big-endian words, as the EVM verifier reads them.
    pub fn instance_words(&self) -> Result<Vec<[u8; 32]>> {
        Ok(aggregate_instances(self)?.iter().map(crate::proof::fr_to_bytes).collect())
    }
}

/// The layout a key file states, checked before halo2 reads the key with it: halo2 sizes its
/// buffers from the column counts and the key's k, so a few crafted bytes could otherwise ask for
/// terabytes. The k must be the SRS's (whose file holds 2^k points), the columns few, and the
/// instance count the accumulator's plus every inner model's.
fn check_layout(info: &AggregateInfo, srs: &Srs, key: &[u8]) -> std::result::Result<(), String> {
    use halo2_proofs::poly::commitment::Params;
    const MAX_COLUMNS: usize = 512;
    let c = &info.layout.config;
    let key_k = key.get(1..5).map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")));
    if c.degree != srs.k() || key_k != Some(srs.k()) {
        return Err(format!("its layout, key and SRS disagree on k ({}, {key_k:?}, {})", c.degree, srs.k()));
    }
    if c.num_advice + c.num_lookup_advice + c.num_fixed > MAX_COLUMNS || c.lookup_bits >= c.degree as usize {
        return Err(format!("its layout is not one zkinfer makes ({c:?})"));
    }
    let compression = info.layout.layer == Layer::Compression;
    let layers_fit = info.earlier_layers.len() <= MAX_COMPRESSIONS
        && info.earlier_layers.iter().enumerate().all(|(i, l)| {
            (l.layer == Layer::Compression) == (i > 0)
                && l.config.degree <= c.degree
                && l.num_instances == info.layout.num_instances
        });
    if compression == info.earlier_layers.is_empty() || !layers_fit {
        return Err("its layers do not fit together (a compression layer over a first layer, at a k no larger)".into());
    }
    let expected = ACCUMULATOR_LIMBS + info.inner.iter().map(KeyInfo::num_instances).sum::<usize>();
    if info.layout.num_instances != expected || info.inner.is_empty() {
        return Err(format!(
            "it states {} public instances, its {} inner models and the accumulator take {expected}",
            info.layout.num_instances,
            info.inner.len()
        ));
    }
    Ok(())
}

impl AggregateKeyFile {
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut key = Vec::new();
        self.vk.write(&mut key, SerdeFormat::RawBytes).map_err(|e| ZkError::io("serialize", path, e))?;
        let info = serde_json::to_vec(&self.info).expect("serializable");
        files::write_atomic(path, |w| {
            AGGREGATE_VK.write(w)?;
            files::write_block(w, &info)?;
            files::write_block(w, &srs::to_bytes(&self.srs))?;
            files::write_block(w, &key)
        })
    }

    pub fn load(path: &Path) -> Result<Self> {
        let bytes = files::read_bytes(path)?;
        let mut r = bytes.as_slice();
        AGGREGATE_VK.check(path, &mut r)?;
        let bad = |e: String| ZkError::bad_file(path, AGGREGATE_VK.kind, e);
        let mut block =
            || files::read_block(&mut r, bytes.len()).map_err(|e| bad(format!("truncated or corrupted ({e})")));
        let (info, srs_bytes, key) = (block()?, block()?, block()?);
        let info: AggregateInfo = serde_json::from_slice(&info).map_err(|e| bad(e.to_string()))?;
        let srs = srs::from_bytes(&srs_bytes, path)?;
        check_layout(&info, &srs, &key).map_err(bad)?;
        let config = info.layout.config;
        let vk = zkinfer_aggregation::catching(|| {
            VerifyingKey::read::<_, zkinfer_aggregation::circuit::Circuit>(
                &mut key.as_slice(),
                SerdeFormat::RawBytes,
                config,
            )
        })
        .map_err(|_| bad("corrupted key data".into()))?
        .map_err(|e| bad(format!("corrupted key data ({e})")))?;
        if r.read(&mut [0u8]).map_err(|e| bad(e.to_string()))? > 0 {
            return Err(bad("unexpected bytes after the key".into()));
        }
        Ok(Self { info, srs, vk })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkinfer_aggregation::AggregationConfigParams;

    fn layout(layer: Layer, degree: u32, num_instances: usize) -> AggregationLayout {
        let config = AggregationConfigParams {
            degree,
            num_advice: 2,
            num_lookup_advice: 1,
            num_fixed: 1,
            lookup_bits: degree as usize - 1,
        };
        AggregationLayout { config, break_points: vec![], num_instances, layer }
    }

    /// A key file's layers must chain: a first layer of model proofs, then compression layers at
    /// a k no larger than the key's, all with the key's instance count, at most three of them.
    #[test]
    fn key_files_whose_layers_do_not_chain_are_refused() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/linear_regression");
        let sample = crate::input::read_input(&dir.join("input.json")).unwrap();
        let compiled = crate::compile(&dir.join("model.onnx"), &[sample], &Default::default()).unwrap();
        let inner = KeyInfo::of(&compiled);
        let n = ACCUMULATOR_LIMBS + inner.num_instances();
        let srs = srs::generate_insecure(8, 1).unwrap();
        let key = [0u8, 8, 0, 0, 0];
        let check = |layout: AggregationLayout, earlier: Vec<AggregationLayout>| {
            let info = AggregateInfo { inner: vec![inner.clone()], layout, earlier_layers: earlier };
            check_layout(&info, &srs, &key)
        };
        let first = || layout(Layer::Models, 7, n);
        let compression = || layout(Layer::Compression, 8, n);
        assert_eq!(check(layout(Layer::Models, 8, n), vec![]), Ok(()));
        assert_eq!(check(compression(), vec![first()]), Ok(()));
        assert_eq!(check(compression(), vec![first(), compression(), compression()]), Ok(()));
        let refused = [
            (compression(), vec![]),                                // a compression layer alone
            (layout(Layer::Models, 8, n), vec![first()]),           // layers under a first layer
            (compression(), vec![compression()]),                   // no first layer at the bottom
            (compression(), vec![first(), first()]),                // two first layers
            (compression(), vec![layout(Layer::Models, 9, n)]),     // a layer above the key's k
            (compression(), vec![layout(Layer::Models, 7, n + 1)]), // another instance count
            (compression(), vec![first(), compression(), compression(), compression()]), // four
        ];
        for (layout, earlier) in refused {
            let err = check(layout, earlier.clone()).unwrap_err();
            assert!(err.contains("do not fit together"), "{earlier:?}: {err}");
        }
    }
}
