//! The proof bundle (`proof.json`) and proving.
//!
//! Proofs use SHPLONK with snark-verifier's Keccak `EvmTranscript`, the transcript the generated
//! Solidity verifier replays, so the same proof is checked in Rust and on-chain. A proof meant
//! for aggregation (`prove --for-aggregation`) uses the Poseidon transcript instead, which the
//! aggregation circuit replays in a few thousand rows where Keccak would take millions.

use crate::compile::CompiledModel;
use crate::error::{Result, ZkError};
use crate::files;
use crate::keys::{KeyInfo, ProvingKeyFile};
use halo2_proofs::halo2curves::{bn256::Fr, ff::PrimeField};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Arc;
use zkinfer_aggregation::shplonk::{self, Keccak, Poseidon};
use zkinfer_circuits::circuit::visibility::{Opening, Visibility};
use zkinfer_circuits::ModelCircuit;

pub const PROOF_FORMAT: &str = "zkinfer-proof";
/// Version 3: `input` is dequantized element by element, each at its feature's scale; a
/// version-2 reader would take the values at one scale and check them against another input.
pub const PROOF_VERSION: u32 = 3;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProofBundle {
    pub format: String,
    pub version: u32,
    pub model_name: String,
    pub model_digest: String,
    /// Public instances as 32-byte big-endian hex (uint256 order): the input part, then the
    /// output part (values, a Poseidon commitment, or nothing, per the model's visibility).
    pub instances: Vec<String>,
    /// The proof bytes, hex.
    pub proof: String,
    /// The input the proof is about, as the circuit saw it (dequantized); empty unless public.
    pub input: Vec<f64>,
    /// Every output, dequantized from the public instances; empty unless public.
    pub outputs: Vec<ProvedOutput>,
    /// The Poseidon commitment to the quantized input, when the input is hashed (or salted: then
    /// to the owner, the salt and the input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_commitment: Option<String>,
    /// The owner a salted input's commitment names (the first public instance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_owner: Option<String>,
    /// The Poseidon commitment to the quantized outputs (all, in order), when they are hashed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_commitment: Option<String>,
    /// The Poseidon commitment to the parameters, when they are hashed: what pins the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params_commitment: Option<String>,
    /// The Fiat–Shamir transcript the proof was made with (absent: `evm`).
    #[serde(default, skip_serializing_if = "Transcript::is_evm")]
    pub transcript: Transcript,
}

/// The hash a proof's Fiat–Shamir challenges come from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transcript {
    /// Keccak (snark-verifier's `EvmTranscript`): verified in Rust and by the Solidity verifier.
    #[default]
    Evm,
    /// Poseidon: verified in Rust and inside an aggregate (`zkinfer aggregate`), not on-chain.
    Poseidon,
}

impl Transcript {
    pub fn is_evm(&self) -> bool {
        *self == Transcript::Evm
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(into = "OutputJson")]
pub struct ProvedOutput {
    /// The ONNX graph output's name.
    pub name: String,
    pub shape: Vec<usize>,
    pub scale: i32,
    /// The ONNX element type; the values of an integer type are written as JSON integers.
    #[serde(default = "crate::keys::float32")]
    pub dtype: String,
    /// The values exactly as the instances hold them (`values` is `quantized / 2^scale`).
    pub quantized: Vec<i128>,
    pub values: Vec<f64>,
}

impl ProvedOutput {
    pub fn is_integer(&self) -> bool {
        zkinfer_onnx::is_integer(&self.dtype)
    }

    /// A value as text: integers without a fraction, floats with `precision` decimals.
    pub fn format(&self, v: f64, precision: usize) -> String {
        match as_integer(v).filter(|_| self.is_integer()) {
            Some(i) => i.to_string(),
            None => format!("{v:.precision$}"),
        }
    }
}

/// `v` as an integer when it is one that f64 holds exactly.
fn as_integer(v: f64) -> Option<i64> {
    (v.fract() == 0.0 && v.abs() < 2f64.powi(53)).then_some(v as i64)
}

/// How a [`ProvedOutput`] is written: the values of an integer output as JSON integers (`1`,
/// not `1.0`); they read back as the same `f64`.
#[derive(Serialize)]
struct OutputJson {
    name: String,
    shape: Vec<usize>,
    scale: i32,
    dtype: String,
    quantized: Vec<i128>,
    values: Vec<serde_json::Value>,
}

impl From<ProvedOutput> for OutputJson {
    fn from(o: ProvedOutput) -> Self {
        let integer = o.is_integer();
        let value = |v: f64| match as_integer(v).filter(|_| integer) {
            Some(i) => serde_json::Value::from(i),
            None => serde_json::Value::from(v),
        };
        let values = o.values.iter().map(|&v| value(v)).collect();
        Self { name: o.name, shape: o.shape, scale: o.scale, dtype: o.dtype, quantized: o.quantized, values }
    }
}

impl ProofBundle {
    pub fn save(&self, path: &Path) -> Result<()> {
        files::write_json(path, self)
    }

    pub fn load(path: &Path) -> Result<Self> {
        files::read_versioned_json(path, "proof", PROOF_FORMAT, PROOF_VERSION)
    }

    /// A proof file's JSON held in memory; `label` names it in errors.
    pub fn parse(json: &[u8], label: &str) -> Result<Self> {
        files::parse_versioned_json(json, Path::new(label), "proof", PROOF_FORMAT, PROOF_VERSION)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("serializable")
    }

    /// The stated commitments with what each commits to: the input, the outputs, the parameters.
    pub fn commitments(&self) -> [(&'static str, &Option<String>); 3] {
        [
            ("input", &self.input_commitment),
            ("outputs", &self.output_commitment),
            ("parameters", &self.params_commitment),
        ]
    }

    pub fn proof_bytes(&self) -> Result<Vec<u8>> {
        hex::decode(self.proof.trim_start_matches("0x"))
            .map_err(|e| ZkError::Rejected(format!("the proof is not valid hex ({e})")))
    }

    /// The public instances as the 32-byte words an EVM verifier reads.
    pub fn instance_words(&self) -> Result<Vec<[u8; 32]>> {
        let bad = |h: &str, why: &str| ZkError::Rejected(format!("instance {h} is not {why}"));
        self.instances
            .iter()
            .map(|h| {
                let bytes = hex::decode(h.trim_start_matches("0x")).map_err(|_| bad(h, "valid hex"))?;
                bytes.try_into().map_err(|_| bad(h, "32 bytes"))
            })
            .collect()
    }
}

/// The instance encoding in the bundle: big-endian hex of the canonical field element.
pub fn fr_to_hex(v: &Fr) -> String {
    format!("0x{}", hex::encode(fr_to_bytes(v)))
}

/// The canonical field element as a big-endian 32-byte word (a Solidity `uint256`).
pub fn fr_to_bytes(v: &Fr) -> [u8; 32] {
    let mut bytes = v.to_repr();
    bytes.reverse();
    bytes
}

pub fn fr_from_hex(s: &str) -> Option<Fr> {
    let mut bytes: [u8; 32] = hex::decode(s.strip_prefix("0x")?).ok()?.try_into().ok()?;
    bytes.reverse();
    Option::from(Fr::from_repr(bytes))
}

/// Hex instances read as field elements, each required canonical (below the modulus), so that
/// no statement has two encodings; `what` names them in the message ("public", "aggregate").
pub fn parse_hex_instances(instances: &[String], what: &str) -> Result<Vec<Fr>> {
    let parse = |(i, s): (usize, &String)| {
        fr_from_hex(s)
            .ok_or_else(|| ZkError::Rejected(format!("{what} instance #{i} ({s}) is not a canonical field element")))
    };
    instances.iter().enumerate().map(parse).collect()
}

/// A field element read back as the signed integer it encodes, `v` or `−(p − v)`, when that
/// integer's magnitude is at most `max_abs` (the tensor's static bound; `i128::MAX` without one).
/// Every integer in that range has exactly one field element and back: the decoding is
/// injective, so two different instances never show the same value.
pub fn fr_to_bounded(v: &Fr, max_abs: Option<u128>) -> Option<i128> {
    let limit = max_abs.unwrap_or(i128::MAX as u128).min(i128::MAX as u128);
    let magnitude = |f: &Fr| {
        let repr = f.to_repr();
        repr[16..]
            .iter()
            .all(|&b| b == 0)
            .then(|| u128::from_le_bytes(repr[..16].try_into().expect("16 bytes")))
            .filter(|&m| m <= limit)
    };
    // `limit < p/2`: at most one of `v` and `−v` is small
    magnitude(v).map(|m| m as i128).or_else(|| magnitude(&-*v).map(|m| -(m as i128)))
}

/// Dequantized outputs described by `info`, read from the output part of the instances (none
/// unless the outputs are public).
pub fn outputs_from_instances(info: &KeyInfo, instances: &[Fr]) -> Option<Vec<ProvedOutput>> {
    if info.params.visibility.output != Visibility::Public {
        return Some(vec![]);
    }
    let start = info.input_instances();
    let part = instances.get(start..start + info.output_instances())?;
    let widest = info.outputs.iter().map(|o| o.max_abs).try_fold(0u128, |acc, b| b.map(|b| acc.max(b)));
    let flat = info.params.public_parts()[1].decode(part, info.output_len(), |f| fr_to_bounded(f, widest))?;
    let mut offset = 0;
    let mut outputs = Vec::new();
    for o in &info.outputs {
        let len: usize = o.shape.iter().product();
        let q: Vec<i128> = flat[offset..offset + len].to_vec();
        if o.max_abs.is_some_and(|bound| q.iter().any(|v| v.unsigned_abs() > bound)) {
            return None;
        }
        let values = q.iter().map(|&v| dequantize(v, o.scale)).collect();
        outputs.push(ProvedOutput {
            name: o.name.clone(),
            shape: o.shape.clone(),
            scale: o.scale,
            dtype: o.dtype.clone(),
            quantized: q,
            values,
        });
        offset += len;
    }
    Some(outputs)
}

/// The quantized input the input part of the instances shows (none unless it is public).
pub fn input_from_instances(info: &KeyInfo, instances: &[Fr]) -> Option<Vec<i128>> {
    if info.params.visibility.input != Visibility::Public {
        return Some(vec![]);
    }
    let bound = info.input.max_abs;
    let values =
        info.params.public_parts()[0]
            .decode(instances.get(..info.input_instances())?, info.input_len(), |f| fr_to_bounded(f, bound))?;
    values.iter().all(|v| bound.is_none_or(|b| v.unsigned_abs() <= b)).then_some(values)
}

/// `q / 2^scale` as the proof file writes it.
pub fn dequantize(q: i128, scale: i32) -> f64 {
    q as f64 / 2f64.powi(scale)
}

/// The integer a stated value is at `scale`, if it is one exactly: `x · 2^scale` (a power of two:
/// exact in floating point) must be a whole number below 2^53, where `f64` holds every integer.
pub fn requantize_exactly(x: f64, scale: i32) -> Option<i128> {
    let q = x * 2f64.powi(scale);
    (q.is_finite() && q.fract() == 0.0 && q.abs() < 2f64.powi(53)).then_some(q as i128)
}

/// The commitments among the instances described by `info` (input, outputs, parameters, in the
/// order of [`ProofBundle::commitments`]); `None` for a part that is not hashed.
pub fn commitments_from_instances(info: &KeyInfo, instances: &[Fr]) -> [Option<String>; 3] {
    let vis = info.params.visibility;
    let at = |hashed: bool, index: usize| (hashed && index < instances.len()).then(|| fr_to_hex(&instances[index]));
    [
        at(vis.input == Visibility::Hashed, 0).or_else(|| at(vis.input == Visibility::Salted, 1)),
        at(vis.output == Visibility::Hashed, info.input_instances()),
        at(vis.params == Visibility::Hashed, instances.len().saturating_sub(1)),
    ]
}

/// The owner a salted input's instances name (the first instance), hex; `None` unless salted.
pub fn owner_from_instances(info: &KeyInfo, instances: &[Fr]) -> Option<String> {
    (info.params.visibility.input == Visibility::Salted).then(|| instances.first().map(fr_to_hex)).flatten()
}

/// The Poseidon commitment (hex) to the model's parameters: the public instance of a proof whose
/// parameters are hashed, which a contract pins to pin the model.
pub fn params_commitment(compiled: &CompiledModel) -> String {
    fr_to_hex(&zkinfer_circuits::circuit::visibility::commitment(&compiled.model.param_values(true)))
}

/// The Poseidon commitment (hex) to `input` quantized at the model's input scale: the public
/// instance of a proof whose input is hashed; for a salted input, to `(owner, salt, input)`.
pub fn input_commitment(compiled: &CompiledModel, input: &[f64], opening: Option<&Opening>) -> Result<String> {
    let opening = check_opening(compiled, opening)?;
    let q = compiled.model.quantize_input(input)?;
    Ok(fr_to_hex(&match opening {
        Some(o) => zkinfer_circuits::circuit::visibility::salted_commitment(o, &q),
        None => zkinfer_circuits::circuit::visibility::commitment(&q),
    }))
}

/// A salted input needs its owner and salt, and only a salted input takes them.
fn check_opening<'a>(compiled: &CompiledModel, opening: Option<&'a Opening>) -> Result<Option<&'a Opening>> {
    let salted = compiled.params.visibility.input == Visibility::Salted;
    match (salted, opening) {
        (true, None) => Err(ZkError::Mismatch(
            "this model's input is salted: its input file needs \"owner\" and \"salt\" (field elements, 0x hex or decimal)".into(),
        )),
        (false, Some(_)) => Err(ZkError::Mismatch(format!(
            "this model's input is {}, not salted: the input file's \"owner\" and \"salt\" would go unused (remove them, or compile with --input-visibility salted)",
            compiled.params.visibility.input
        ))),
        _ => Ok(opening),
    }
}

/// The circuit of `compiled` with the witness for `input` (and a salted input's opening), its
/// public instances, and the quantized input (shared by proving and by `profile`).
pub(crate) fn witnessed_circuit(
    compiled: &CompiledModel,
    input: &[f64],
    opening: Option<&Opening>,
) -> Result<(ModelCircuit, Vec<Fr>, Vec<i128>)> {
    let opening = check_opening(compiled, opening)?;
    let model = &compiled.model;
    let q_input = model.quantize_input(input)?;
    let witness = model.evaluate(&q_input)?;
    let q_outputs: Vec<Vec<i128>> = model.outputs.iter().map(|&o| witness.out[o].clone()).collect();
    let instances = ModelCircuit::instances(&compiled.params, model, &q_input, &q_outputs, opening);
    let circuit = ModelCircuit::new(Arc::new(model.clone()), compiled.params, Some(q_input.clone()))
        .with_opening(opening.copied());
    Ok((circuit, instances, q_input))
}

/// Proves one inference of `compiled` on `input` (flat floats), for on-chain verification.
pub fn prove(compiled: &CompiledModel, key: &ProvingKeyFile, input: &[f64]) -> Result<ProofBundle> {
    prove_with(compiled, key, input, Transcript::Evm)
}

/// Proves one inference with the given transcript.
pub fn prove_with(
    compiled: &CompiledModel,
    key: &ProvingKeyFile,
    input: &[f64],
    transcript: Transcript,
) -> Result<ProofBundle> {
    prove_opened(compiled, key, input, None, transcript)
}

/// Proves one inference of a model whose input may be salted (`opening`: its owner and salt).
pub fn prove_opened(
    compiled: &CompiledModel,
    key: &ProvingKeyFile,
    input: &[f64],
    opening: Option<&Opening>,
    transcript: Transcript,
) -> Result<ProofBundle> {
    let digest = compiled.digest();
    if key.info.model_digest != digest {
        return Err(ZkError::Mismatch(format!(
            "the proving key is for model '{}' ({}), not for this compiled model '{}' ({}); run setup again",
            key.info.model_name,
            crate::verify::short(&key.info.model_digest),
            compiled.name,
            crate::verify::short(&digest)
        )));
    }
    let model = &compiled.model;
    let (circuit, instances, q_input) = witnessed_circuit(compiled, input, opening)?;

    let proof = match transcript {
        Transcript::Evm => shplonk::prove::<_, _, Keccak<Vec<u8>>>(&key.srs, &key.pk, circuit, &instances),
        Transcript::Poseidon => shplonk::prove::<_, _, Poseidon<Vec<u8>>>(&key.srs, &key.pk, circuit, &instances),
    }
    .map_err(ZkError::Prove)?;

    let outputs = outputs_from_instances(&key.info, &instances).expect("instances built from this model");
    let scales = model.input_scales();
    let vis = compiled.params.visibility;
    let [input_commitment, output_commitment, params_commitment] = commitments_from_instances(&key.info, &instances);
    Ok(ProofBundle {
        format: PROOF_FORMAT.into(),
        version: PROOF_VERSION,
        model_name: compiled.name.clone(),
        model_digest: digest,
        instances: instances.iter().map(fr_to_hex).collect(),
        proof: hex::encode(proof),
        input: if vis.input == Visibility::Public {
            q_input.iter().zip(&scales).map(|(&q, &scale)| dequantize(q, scale)).collect()
        } else {
            vec![]
        },
        outputs,
        input_owner: owner_from_instances(&key.info, &instances),
        input_commitment,
        output_commitment,
        params_commitment,
        transcript,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_decoding_is_injective_at_the_edges() {
        let big = Fr::from_u128(1u128 << 127);
        // 2^127 and p − 2^127 used to decode alike (a u128 cast to i128 wraps)
        assert_eq!(fr_to_bounded(&big, None), None);
        assert_eq!(fr_to_bounded(&-big, None), None);
        let max = Fr::from_u128(i128::MAX as u128);
        assert_eq!(fr_to_bounded(&max, None), Some(i128::MAX));
        assert_eq!(fr_to_bounded(&-max, None), Some(-i128::MAX));
        // within a tensor's bound and just outside it
        assert_eq!(fr_to_bounded(&Fr::from(4096), Some(4096)), Some(4096));
        assert_eq!(fr_to_bounded(&-Fr::from(4096), Some(4096)), Some(-4096));
        assert_eq!(fr_to_bounded(&Fr::from(4097), Some(4096)), None);
        assert_eq!(fr_to_bounded(&-Fr::from(4097), Some(4096)), None);
        // a value that is no small integer either way
        assert_eq!(fr_to_bounded(&Fr::from_u128(u128::MAX), None), None);
    }

    #[test]
    fn stated_floats_requantize_only_when_exact() {
        assert_eq!(requantize_exactly(0.75, 2), Some(3));
        assert_eq!(requantize_exactly(-0.75, 2), Some(-3));
        // not on the grid, or too large for f64 to tell neighbours apart
        assert_eq!(requantize_exactly(0.7, 2), None);
        assert_eq!(requantize_exactly(2f64.powi(60), 0), None);
        assert_eq!(requantize_exactly(f64::NAN, 0), None);
    }
}
