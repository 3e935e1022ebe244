//! Aggregates (`zkinfer aggregate`): many proofs, made with `prove --for-aggregation`, verified
//! inside one halo2 circuit (`zkinfer_aggregation`), whose one proof a Solidity verifier checks.
//!
//! Files: the aggregate bundle (`aggregate.json`: the inner proof bundles, then the aggregate's
//! instances and proof) and the aggregation verifying key (header, then length-prefixed blocks:
//! JSON [`AggregateInfo`], the aggregation SRS, the halo2 key). The key pins the inner models:
//! the aggregation circuit holds their verifying keys as constants.
//!
//! Compressed ([`Compression`]): the proofs are aggregated at `first_k` (proved with the Poseidon
//! transcript), and that aggregate is verified again by a compression circuit at the SRS's k, in
//! fewer columns, repeated until the last circuit has one advice column (or a compression no
//! longer narrows it): the last proof is the one verified on-chain, and its verifier costs about
//! the same for 1 proof or 16, apart from what each public instance adds. More
//! proofs than a group make a tree ([`tree`]). The key file then holds the last circuit's key; it
//! pins the keys of the layer below, and so down to the models.

use crate::error::{Result, ZkError};
use crate::files::{self, AGGREGATE_VK};
use crate::keys::{KeyInfo, VerifyingKeyFile};
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
use zkinfer_aggregation::circuit::{AggregationLayout, Layer};
use zkinfer_aggregation::inner::InnerProof;
use zkinfer_aggregation::verify::Rejection;
use zkinfer_aggregation::Snark;

mod heap;
mod tree;
use tree::MAX_COMPRESSIONS;
pub use tree::{AggregationSrs, Compression, DEFAULT_GROUP};
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
    /// When compressed: the layers before this key's, first to last: the first layer's groups
    /// (each verifies its proofs at the first layer's k, in slot order); in a tree, each level
    /// of per-group compressions (one circuit per group); then the chain of compressions that
    /// ends in this key's circuit (the first merges every group's aggregate).
    #[serde(default)]
    pub earlier_layers: Vec<AggregationLayout>,
}

pub struct AggregateKeyFile {
    pub info: AggregateInfo,
    pub srs: Srs,
    pub vk: VerifyingKey<G1Affine>,
}

/// The aggregation keys for proofs of `models`, in this order (one entry per slot), with `srs`
/// the aggregation SRS (and with `compression`, the first layer's groups at its k, compressed at
/// the SRS's). They depend on the models' verifying keys and the SRS alone, never on a proof: a
/// verifier makes the same aggregate.vk from the model keys it trusts (`zkinfer aggregate-setup`)
/// and need not take the aggregator's.
pub fn aggregation_keys(
    models: &[&VerifyingKeyFile],
    srs: impl Into<AggregationSrs>,
    compression: Option<Compression>,
) -> Result<AggregateKeyFile> {
    Ok(build(models, srs, compression, None)?.0)
}

/// Aggregates `proofs` (each with its model's verifying key) with `srs`, the aggregation SRS
/// (compressed when `compression` is given): generates the aggregation keys, then proves. Every
/// inner proof is checked first.
pub fn aggregate(
    proofs: &[(&ProofBundle, &VerifyingKeyFile)],
    srs: impl Into<AggregationSrs>,
    compression: Option<Compression>,
) -> Result<(AggregateBundle, AggregateKeyFile)> {
    let models: Vec<&VerifyingKeyFile> = proofs.iter().map(|(_, k)| *k).collect();
    let (key, proved) = build(&models, srs, compression, Some(proofs))?;
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

/// The keys of every layer and, given proofs, the final proof.
fn build(
    models: &[&VerifyingKeyFile],
    srs: impl Into<AggregationSrs>,
    compression: Option<Compression>,
    proofs: Option<&[(&ProofBundle, &VerifyingKeyFile)]>,
) -> Result<(AggregateKeyFile, Proved)> {
    let snarks = |srs: &Srs| {
        proofs
            .map(|ps| ps.iter().enumerate().map(|(i, (b, k))| inner_snark(i, b, k, srs)).collect::<Result<Vec<_>>>())
            .transpose()
    };
    let AggregationSrs { srs, first_layer } = srs.into();
    let tree::Built { earlier: earlier_layers, last: (vk, layout), proved } =
        tree::build(models, &srs, first_layer, compression, snarks)?;
    let info = AggregateInfo { inner: models.iter().map(|k| k.info.clone()).collect(), layout, earlier_layers };
    Ok((AggregateKeyFile { info, srs, vk }, proved))
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
    if !layers_chain(info) {
        return Err(
            "its layers do not fit together (compression layers over first-layer groups, at a k no larger)".into()
        );
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

/// Whether the layers a key states chain: with one layer, none below it; compressed, one or
/// more first-layer groups whose model instances add up to the key's; with several groups, up to
/// [`MAX_COMPRESSIONS`] layers compressing each group alone (one circuit per group, with its
/// instances); then the chain to the key's circuit (with the key's instances), at most
/// [`MAX_COMPRESSIONS`] long with the key's own; none at a larger k than the key's.
fn layers_chain(info: &AggregateInfo) -> bool {
    let (key, earlier) = (&info.layout, &info.earlier_layers);
    if key.layer == Layer::Models {
        return earlier.is_empty();
    }
    let groups = first_layer_circuits(earlier);
    let (first, mut rest) = earlier.split_at(groups);
    let grouped: usize = first.iter().map(|l| l.num_instances.saturating_sub(ACCUMULATOR_LIMBS)).sum();
    let per_group =
        |level: &[AggregationLayout]| level.iter().zip(first).all(|(l, g)| l.num_instances == g.num_instances);
    let mut levels = 0;
    while groups > 1 && levels < MAX_COMPRESSIONS && rest.len() >= groups && per_group(&rest[..groups]) {
        (rest, levels) = (&rest[groups..], levels + 1);
    }
    (1..=info.inner.len()).contains(&groups)
        && first.iter().all(|l| l.num_instances > ACCUMULATOR_LIMBS)
        && ACCUMULATOR_LIMBS + grouped == key.num_instances
        && earlier[groups..].iter().all(|l| l.layer == Layer::Compression)
        && rest.len() < MAX_COMPRESSIONS
        && rest.iter().all(|l| l.num_instances == key.num_instances)
        && earlier.iter().all(|l| l.config.degree <= key.config.degree)
}

impl AggregateInfo {
    /// How many circuits the first layer has: one, or a group's each when aggregated in a tree.
    pub fn first_layer_groups(&self) -> usize {
        first_layer_circuits(&self.earlier_layers).max(1)
    }
}

/// How many of the `earlier` layers, from the first, are first-layer (model) circuits.
fn first_layer_circuits(earlier: &[AggregationLayout]) -> usize {
    earlier.iter().take_while(|l| l.layer == Layer::Models).count()
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

    /// A key file's layers must chain: first-layer groups of model proofs whose instances add up
    /// to the key's, then compression layers at a k no larger than the key's, all with the key's
    /// instance count, at most three compressions.
    #[test]
    fn key_files_whose_layers_do_not_chain_are_refused() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/linear_regression");
        let sample = crate::input::read_input(&dir.join("input.json")).unwrap();
        let compiled = crate::compile(&dir.join("model.onnx"), &[sample], &Default::default()).unwrap();
        let inner = KeyInfo::of(&compiled);
        let m = inner.num_instances();
        let (n, n2) = (ACCUMULATOR_LIMBS + m, ACCUMULATOR_LIMBS + 2 * m);
        let srs = srs::generate_insecure(8, 1).unwrap();
        let key = [0u8, 8, 0, 0, 0];
        let check = |models: usize, layout: AggregationLayout, earlier: Vec<AggregationLayout>| {
            let info = AggregateInfo { inner: vec![inner.clone(); models], layout, earlier_layers: earlier };
            check_layout(&info, &srs, &key)
        };
        let group = |instances| layout(Layer::Models, 7, instances);
        let first = || group(n);
        let compression = |instances| layout(Layer::Compression, 8, instances);
        assert_eq!(check(1, layout(Layer::Models, 8, n), vec![]), Ok(()));
        assert_eq!(check(1, compression(n), vec![first()]), Ok(()));
        assert_eq!(check(1, compression(n), vec![first(), compression(n), compression(n)]), Ok(()));
        // a tree: two groups of one proof each, merged at once or after compressing each alone
        let tree = |levels: usize, merged: usize| {
            let mut below = vec![first(), first()];
            below.extend((0..2 * levels).map(|_| compression(n)));
            below.extend((0..merged).map(|_| compression(n2)));
            below
        };
        for (levels, merged) in [(0, 0), (1, 0), (2, 1), (3, 2)] {
            assert_eq!(check(2, compression(n2), tree(levels, merged)), Ok(()), "{levels} {merged}");
        }
        assert_eq!(check(2, compression(n2), vec![group(n2)]), Ok(()));
        let refused = [
            (1, compression(n), vec![]),                                   // a compression layer alone
            (1, layout(Layer::Models, 8, n), vec![first()]),               // layers under a first layer
            (1, compression(n), vec![compression(n)]),                     // no first layer at the bottom
            (1, compression(n), vec![first(), first()]),                   // more groups' instances than the key's
            (2, compression(n2), vec![first()]),                           // fewer
            (1, compression(n), vec![first(), first(), compression(n)]),   // the same, below a compression
            (2, compression(n2), vec![first(), first(), first()]),         // more groups than models
            (2, compression(n2), vec![first(), compression(n2), first()]), // a group above a compression
            (2, compression(n2), tree(4, 0)),                              // four compressions of each group
            (2, compression(n2), tree(1, 3)),                              // four after the merge
            (2, compression(n2), vec![first(), first(), compression(n)]),  // one group compressed alone
            (1, compression(n), vec![layout(Layer::Models, 9, n)]),        // a layer above the key's k
            (1, compression(n), vec![group(n + 1)]),                       // another instance count
            (1, compression(n), vec![first(), compression(n + 1)]),        // the same, in a compression
            (1, compression(n), vec![first(), compression(n), compression(n), compression(n)]), // four
        ];
        for (models, layout, earlier) in refused {
            let err = check(models, layout, earlier.clone()).unwrap_err();
            assert!(err.contains("do not fit together"), "{earlier:?}: {err}");
        }
    }

    /// Groups are as even as can be, never over the size asked, and cover every slot once.
    #[test]
    fn proofs_are_grouped_evenly() {
        use tree::groups;
        assert_eq!(groups(16, 8), vec![0..8, 8..16]);
        assert_eq!(groups(12, 8), vec![0..6, 6..12]);
        assert_eq!(groups(9, 8), vec![0..5, 5..9]);
        assert_eq!(groups(8, 8), vec![0..8]);
        assert_eq!(groups(3, 1), vec![0..1, 1..2, 2..3]);
        for n in 1..40 {
            for size in 1..10 {
                let g = groups(n, size);
                assert_eq!(g.len(), n.div_ceil(size));
                assert!(g.iter().all(|r| !r.is_empty() && r.len() <= size), "{n} in {size}s: {g:?}");
                assert!(g.windows(2).all(|w| w[0].end == w[1].start && w[0].len() >= w[1].len()));
                assert_eq!((g[0].start, g[g.len() - 1].end), (0, n));
            }
        }
    }
}
