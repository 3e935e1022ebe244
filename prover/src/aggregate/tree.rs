//! The aggregation circuits, layer by layer: which circuits verify which proofs, their keys, and
//! given proofs, each layer's proofs up to the one verified on-chain.
//!
//! One layer: one circuit over every model proof at the SRS's k, proved for the EVM.
//!
//! Compressed: the model proofs in groups of at most `group` (as even as can be), one first-layer
//! circuit per group at `first_k`; then compression circuits at the SRS's k, each verifying
//! aggregates of the layer below in fewer columns. While there are several groups, each group's
//! aggregate is compressed alone until it has at most [`GROUP_ADVICE`] advice columns (one
//! compression over two wide first-layer aggregates of eight at k = 22 ran out of 24 GiB; the
//! whole tree of sixteen peaks at 20.3 GB, see docs/gas.md); then one circuit merges them,
//! and that one is compressed alone until it has [`FINAL_ADVICE`] (or compressing no longer
//! narrows it). That last proof is
//! the one verified on-chain (Keccak transcript); every other is proved with the Poseidon
//! transcript the circuit above replays. Circuits of one layer over the same inputs share their
//! keys, made once; a proving key is dropped before the next is made, as a first layer of eight
//! proofs holds about 10 GB.

use super::{heap, Proved};
use crate::error::{Result, ZkError};
use crate::keys::{ParamsPin, VerifyingKeyFile};
use crate::srs::{self, Srs};
use halo2_proofs::halo2curves::bn256::{Fr, G1Affine};
use halo2_proofs::plonk::VerifyingKey;
use std::ops::Range;
use std::rc::Rc;
use zkinfer_aggregation::circuit::{keygen, prove, AggregationLayout, Keys, Layer};
use zkinfer_aggregation::inner::{aggregate_placeholder, aggregate_snark, fits, placeholder};
use zkinfer_aggregation::shplonk::{Keccak, Poseidon};
use zkinfer_aggregation::{AggregationError, Snark};

/// How the proofs are aggregated when not in one circuit: in groups of at most `group` proofs,
/// each group aggregated at `first_k`, then compressed at the aggregation SRS's k.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Compression {
    pub first_k: u32,
    pub group: usize,
}

/// The largest group of credit-score proofs a first layer at k = 20 aggregates within 24 GiB
/// (eight take 21 GB at peak): more proofs make a tree.
pub const DEFAULT_GROUP: usize = 8;

/// A group's aggregate is compressed until it has at most this many advice columns before the
/// groups are merged (two such aggregates merge in a few columns at k = 22)...
const GROUP_ADVICE: usize = 2;
/// ...and the last circuit until it has this many: its verifier's cost is then about the same for
/// 1 proof or 16, and one column is the cheapest on-chain (fewer commitments and evaluations in
/// its proof: 344,521 gas for four credit scores in one column, against 384,037 for one in two,
/// docs/gas.md), for one compression more (minutes at k = 22).
const FINAL_ADVICE: usize = 1;
/// ...at most this many times on one chain (each group's, then the merged one's).
pub const MAX_COMPRESSIONS: usize = 3;

/// The aggregation SRS and, when the caller has it, the same SRS cut to the first layer's k:
/// cutting it is a group FFT of minutes at k = 20 (about 5 of a 16-proof tree's 75 minutes on
/// two cores), so the CLI reads it from the SRS file's downsizing cache instead.
pub struct AggregationSrs {
    pub srs: Srs,
    pub first_layer: Option<Srs>,
}

impl From<Srs> for AggregationSrs {
    fn from(srs: Srs) -> Self {
        AggregationSrs { srs, first_layer: None }
    }
}

/// The layouts of the circuits below the last (first to last, a layer's in slot order), the last
/// circuit's verifying key and layout, and given proofs the last proof.
pub struct Built {
    pub earlier: Vec<AggregationLayout>,
    pub last: (VerifyingKey<G1Affine>, AggregationLayout),
    pub proved: Proved,
}

/// One layer's circuits: each one's verifying key (shared by the circuits of equal inputs) and
/// layout. A key is held no longer than the layer above needs it: halo2's verifying key carries
/// its domain's FFT tables, about 1.8 GB at k = 22, and a tree of sixteen kept 7 GB of them.
type LayerKeys = Vec<(Rc<VerifyingKey<G1Affine>>, AggregationLayout)>;

/// The aggregation circuits for `models` with `srs` (compressed as `compression` says, the first
/// layer with `first_layer` when given, the SRS cut to its k) and,
/// given the inner proofs as `snarks` (one per model, checked), every layer's proofs.
pub fn build(
    models: &[&VerifyingKeyFile],
    srs: &Srs,
    first_layer: Option<Srs>,
    compression: Option<Compression>,
    snarks: impl Fn(&Srs) -> Result<Option<Vec<Snark>>>,
) -> Result<Built> {
    let Some(compression) = compression else {
        let inputs = model_inputs(models, srs, snarks(srs)?)?;
        let every_proof = 0..models.len();
        let last = layer(srs, &inputs, std::slice::from_ref(&every_proof), Layer::Models, |_| true)?;
        return Ok(last.finish(Vec::new()));
    };
    let first = first_layer_srs(srs, first_layer, compression)?;
    let inputs = model_inputs(models, &first, snarks(&first)?)?;
    let mut below = layer(&first, &inputs, &groups(models.len(), compression.group), Layer::Models, |_| false)?;
    let mut earlier = Vec::new();
    let (mut below_srs, mut chain) = (&first, 0);
    loop {
        let inputs = aggregates_of(below_srs, &below)?;
        let all_narrow = below.keys.iter().all(|(_, l)| l.config.num_advice <= GROUP_ADVICE);
        let below_advice = below.keys.iter().map(|(_, l)| l.config.num_advice).max().unwrap_or(0);
        earlier.extend(below.keys.drain(..).map(|(_, layout)| layout)); // the keys dropped
        let merging = inputs.ids.len() > 1;
        // several groups: each compressed alone, until narrow (or at the chain's end), then merged
        let parts: Vec<Range<usize>> = if !merging || all_narrow || chain == MAX_COMPRESSIONS {
            chain = if merging { 0 } else { chain };
            let every_aggregate = 0..inputs.ids.len();
            vec![every_aggregate]
        } else {
            (0..inputs.ids.len()).map(|i| i..i + 1).collect()
        };
        chain += 1;
        let single = parts.len() == 1;
        let at_end = chain == MAX_COMPRESSIONS;
        let input_advice = (!merging).then_some(below_advice);
        below = layer(srs, &inputs, &parts, Layer::Compression, |l| {
            is_last(l.config.num_advice, single, at_end, input_advice)
        })?;
        below_srs = srs;
        if below.on_chain {
            return Ok(below.finish(earlier));
        }
    }
}

/// Whether a compression circuit with `advice` columns is the last one (proved for the EVM): the
/// only circuit of its layer (`single`), with [`FINAL_ADVICE`] columns, or at the chain's end, or
/// compressing one aggregate of `input_advice` columns (not a merge) without narrowing it, when
/// another compression would not narrow it either.
fn is_last(advice: usize, single: bool, at_end: bool, input_advice: Option<usize>) -> bool {
    single && (advice <= FINAL_ADVICE || at_end || input_advice.is_some_and(|below| advice >= below))
}

/// What a layer's circuits take: a placeholder of each input (what key generation reads), what
/// identifies it (its key's hash and instance count: equal lists make equal circuits), and when
/// proving, the inputs themselves.
struct Inputs {
    placeholders: Vec<Snark>,
    ids: Vec<(Fr, usize)>,
    snarks: Option<Vec<Snark>>,
}

/// A layer's circuits and, when proving, their proofs; `on_chain` when its one proof is the last
/// (Keccak transcript).
struct Circuits {
    keys: LayerKeys,
    proofs: Option<Vec<(Vec<Fr>, Vec<u8>)>>,
    on_chain: bool,
}

impl Circuits {
    /// The last layer (one circuit) on top of the `earlier` circuits.
    fn finish(mut self, earlier: Vec<AggregationLayout>) -> Built {
        let (vk, layout) = self.keys.pop().expect("the last layer's circuit");
        let vk = Rc::try_unwrap(vk).unwrap_or_else(|shared| (*shared).clone());
        Built { earlier, last: (vk, layout), proved: self.proofs.and_then(|mut p| p.pop()) }
    }
}

/// One layer: a circuit for each part (consecutive inputs), its keys (reused from the part before
/// when that one's inputs are the same), and with the inputs' proofs, its proof: over Keccak when
/// `on_chain` says so of its layout, else over Poseidon. One proving key at a time: each is
/// dropped before the next is made.
fn layer(
    srs: &Srs,
    inputs: &Inputs,
    parts: &[Range<usize>],
    kind: Layer,
    on_chain: impl Fn(&AggregationLayout) -> bool,
) -> Result<Circuits> {
    let mut proofs = inputs.snarks.as_ref().map(|_| Vec::new());
    let mut on_chain_proof = false;
    heap::release(&format!("{} {kind:?} circuit(s) to make", parts.len())); // the layer below's keys freed
    let mut distinct: Vec<(Keys, AggregationLayout)> = Vec::new();
    let mut key_of_part = Vec::with_capacity(parts.len());
    for (i, part) in parts.iter().enumerate() {
        if i == 0 || inputs.ids[parts[i - 1].clone()] != inputs.ids[part.clone()] {
            if let Some((keys, layout)) = distinct.pop() {
                distinct.push((Keys::Verifying(Box::new(keys.into_vk())), layout));
                heap::release("the previous proving key dropped");
            }
            let with_pk = inputs.snarks.is_some();
            let (keys, layout) = keygen(srs, &inputs.placeholders[part.clone()], with_pk, kind).map_err(prove_error)?;
            let c = &layout.config;
            heap::release(&format!(
                "{kind:?} key made: {}/{}/{} at k {}",
                c.num_advice, c.num_lookup_advice, c.num_fixed, c.degree
            ));
            distinct.push((keys, layout));
        }
        key_of_part.push(distinct.len() - 1);
        let (keys, layout) = distinct.last().expect("a key");
        on_chain_proof = on_chain(layout);
        if let (Some(snarks), Some(pk), Some(proofs)) = (&inputs.snarks, keys.pk(), proofs.as_mut()) {
            let snarks = &snarks[part.clone()];
            let proof = if on_chain_proof {
                prove::<_, Keccak<Vec<u8>>>(srs, pk, layout, snarks)
            } else {
                prove::<_, Poseidon<Vec<u8>>>(srs, pk, layout, snarks)
            };
            proofs.push(proof.map_err(prove_error)?);
            heap::release(&format!("{kind:?} circuit {i} proved"));
        }
    }
    let distinct: Vec<_> = distinct.into_iter().map(|(keys, layout)| (Rc::new(keys.into_vk()), layout)).collect();
    let keys = key_of_part.into_iter().map(|j| distinct[j].clone()).collect();
    Ok(Circuits { keys, proofs, on_chain: on_chain_proof })
}

/// The model proofs as a first layer's inputs, after checking that each model can be aggregated
/// with `srs`.
fn model_inputs(models: &[&VerifyingKeyFile], srs: &Srs, snarks: Option<Vec<Snark>>) -> Result<Inputs> {
    let mut placeholders = Vec::with_capacity(models.len());
    for (index, key) in models.iter().enumerate() {
        let label = format!("model '{}'", key.info.model_name);
        if matches!(key.info.params_pin, ParamsPin::Instances { .. }) {
            return Err(ZkError::Rejected(format!("proof #{index} ({label}): its model's parameters are witness values pinned by their instances, which the aggregate verifier does not check yet; compile it with fixed parameters to aggregate it")));
        }
        fits(index, &label, &key.srs, srs).map_err(|e| ZkError::Rejected(e.to_string()))?;
        placeholders.push(placeholder(&key.srs, &key.vk, key.info.num_instances()));
    }
    let ids = models.iter().map(|k| (k.vk.transcript_repr(), k.info.num_instances())).collect();
    Ok(Inputs { placeholders, ids, snarks })
}

/// A layer's aggregates as the inputs of the compression layer above (each proof checked,
/// with its accumulator's pairing).
fn aggregates_of(srs: &Srs, circuits: &Circuits) -> Result<Inputs> {
    let keys = &circuits.keys;
    let placeholders = keys.iter().map(|(vk, l)| aggregate_placeholder(srs, vk, l.num_instances)).collect();
    let ids = keys.iter().map(|(vk, l)| (vk.transcript_repr(), l.num_instances)).collect();
    let snarks = circuits
        .proofs
        .as_ref()
        .map(|proofs| {
            proofs
                .iter()
                .zip(keys)
                .enumerate()
                .map(|(i, ((instances, proof), (vk, _)))| aggregate_snark(i, srs, vk, instances.clone(), proof.clone()))
                .collect::<std::result::Result<Vec<_>, _>>()
        })
        .transpose()
        .map_err(prove_error)?;
    Ok(Inputs { placeholders, ids, snarks })
}

fn prove_error(e: AggregationError) -> ZkError {
    ZkError::Prove(e.to_string())
}

/// The aggregation SRS cut to the first layer's k, which must be below the SRS's: `given` when it
/// is that cut (its powers the SRS's first ones, the same G2 points), else cut here.
fn first_layer_srs(srs: &Srs, given: Option<Srs>, compression: Compression) -> Result<Srs> {
    use halo2_proofs::poly::commitment::Params;
    let k = compression.first_k;
    if k >= srs.k() {
        return Err(ZkError::Rejected(format!(
            "the first layer's k ({k}) must be below the aggregation SRS's ({}), where the compression layer is proved",
            srs.k()
        )));
    }
    if compression.group == 0 {
        return Err(ZkError::Rejected("a first-layer group holds at least one proof".into()));
    }
    match given {
        Some(first) if first.k() == k && is_cut_of(&first, srs) => Ok(first),
        Some(first) => Err(ZkError::Rejected(format!(
            "the first layer's SRS (k = {}) is not the aggregation SRS cut to k = {k}",
            first.k()
        ))),
        None => Ok(srs::downsize(srs, k)),
    }
}

/// Whether `small` holds the first powers of `srs` and its G2 points (a cut of the same ceremony).
fn is_cut_of(small: &Srs, srs: &Srs) -> bool {
    use halo2_proofs::poly::commitment::ParamsProver;
    let g = small.get_g();
    g == &srs.get_g()[..g.len()] && small.g2() == srs.g2() && small.s_g2() == srs.s_g2()
}

/// `n` slots in the fewest groups of at most `group`, as even as can be (12 in 8s: 6 and 6, so
/// both groups share their keys).
pub fn groups(n: usize, group: usize) -> Vec<Range<usize>> {
    let count = n.div_ceil(group.max(1)).max(1);
    let (size, larger) = (n / count, n % count);
    let mut start = 0;
    (0..count)
        .map(|g| {
            let end = start + size + usize::from(g < larger);
            let range = start..end;
            start = end;
            range
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_ends_at_one_column_at_its_end_or_when_compressing_stops_narrowing() {
        assert!(is_last(1, true, false, Some(2)), "one column");
        assert!(!is_last(2, true, false, Some(5)), "narrower than its input: compressed again");
        assert!(is_last(2, true, false, Some(2)), "no narrower than its input");
        assert!(!is_last(2, true, false, None), "a merge of two columns: compressed alone after");
        assert!(is_last(3, true, true, Some(5)), "at the chain's end");
        assert!(!is_last(1, false, true, None), "one of several circuits of a layer");
    }

    #[test]
    fn a_given_first_layer_srs_is_used_only_if_it_is_the_aggregation_srs_cut() {
        let srs = srs::generate_insecure(6, 1).unwrap();
        let compression = Compression { first_k: 4, group: 8 };
        let cut = srs::downsize(&srs, 4);
        let taken = first_layer_srs(&srs, Some(cut.clone()), compression).unwrap();
        assert!(srs::to_bytes(&taken) == srs::to_bytes(&cut));
        let computed = first_layer_srs(&srs, None, compression).unwrap();
        assert!(srs::to_bytes(&computed) == srs::to_bytes(&cut));

        let other_ceremony = srs::downsize(&srs::generate_insecure(6, 2).unwrap(), 4);
        let wrong_k = srs::downsize(&srs, 3);
        for wrong in [other_ceremony, wrong_k] {
            let err = first_layer_srs(&srs, Some(wrong), compression).expect_err("refused");
            assert!(err.to_string().contains("is not the aggregation SRS cut to k = 4"), "{err}");
        }
    }
}
