//! SHPLONK's query sets (BDFG21, as snark-verifier's `bdfg21.rs` groups them) worked out for a
//! key: each set is the polynomials opened at one set of rotations. The grouping and its order
//! decide the powers of `mu` and `gamma` the prover used, so they follow snark-verifier's
//! `query_sets` exactly; the interpolation constants `ell_j = Π_{i≠j}(ω^{r_j} − ω^{r_i})` depend
//! only on the rotations and are computed here, not on chain.

use halo2_proofs::halo2curves::bn256::G1Affine;
use halo2_proofs::halo2curves::{bn256::Fr, ff::Field};
use snark_verifier_sdk::snark_verifier::verifier::plonk::PlonkProtocol;

/// The sets section of a key, as words: per set `m, p, shifts[m], ells[m]`, then per polynomial
/// its MSM base and the value slots of its `m` evaluations (in the set's rotation order).
pub struct EncodedSets {
    pub count: usize,
    pub words: Vec<Fr>,
}

struct QuerySet {
    rotations: Vec<i32>,
    polys: Vec<usize>,
    /// Per polynomial, the evaluation slot at each of `rotations`.
    slots: Vec<Vec<u16>>,
}

/// Groups the protocol's queries as snark-verifier's `query_sets` does.
fn query_sets(
    protocol: &PlonkProtocol<G1Affine>,
    eval_slot: &dyn Fn(usize, i32) -> Result<u16, String>,
) -> Result<Vec<QuerySet>, String> {
    // per polynomial (in order of first query), its rotations in order of first query
    let mut poly_rotations: Vec<(usize, Vec<i32>)> = Vec::new();
    for q in &protocol.queries {
        match poly_rotations.iter_mut().find(|(p, _)| *p == q.poly) {
            Some((_, rots)) if !rots.contains(&q.rotation.0) => rots.push(q.rotation.0),
            Some(_) => {}
            None => poly_rotations.push((q.poly, vec![q.rotation.0])),
        }
    }
    let same = |a: &[i32], b: &[i32]| {
        let (mut a, mut b) = (a.to_vec(), b.to_vec());
        a.sort_unstable();
        b.sort_unstable();
        a == b
    };
    let mut sets: Vec<QuerySet> = Vec::new();
    for (poly, rots) in poly_rotations {
        let slots_at = |order: &[i32]| order.iter().map(|&r| eval_slot(poly, r)).collect::<Result<Vec<_>, _>>();
        match sets.iter_mut().find(|s| same(&s.rotations, &rots)) {
            Some(set) => {
                if !set.polys.contains(&poly) {
                    let slots = slots_at(&set.rotations)?;
                    set.polys.push(poly);
                    set.slots.push(slots);
                }
            }
            None => {
                let slots = slots_at(&rots)?;
                sets.push(QuerySet { rotations: rots, polys: vec![poly], slots: vec![slots] });
            }
        }
    }
    Ok(sets)
}

/// The MSM base of a polynomial: preprocessed `j` → `j`, witness `j` → `P + j`, the quotient →
/// `P + W`. Instance polynomials are not committed (KZG evaluates them from the instances).
fn base(protocol: &PlonkProtocol<G1Affine>, poly: usize) -> Result<usize, String> {
    let p = protocol.preprocessed.len();
    match poly.checked_sub(p) {
        None => Ok(poly),
        Some(0) => Err("an instance polynomial is opened".into()),
        Some(i) => Ok(p + i - 1),
    }
}

fn shift(protocol: &PlonkProtocol<G1Affine>, rotation: i32) -> Fr {
    if rotation >= 0 {
        protocol.domain.gen.pow_vartime([rotation as u64])
    } else {
        protocol.domain.gen_inv.pow_vartime([(-rotation) as u64])
    }
}

pub fn encode(
    protocol: &PlonkProtocol<G1Affine>,
    eval_slot: &dyn Fn(usize, i32) -> Result<u16, String>,
) -> Result<EncodedSets, String> {
    let sets = query_sets(protocol, eval_slot)?;
    let mut words = Vec::new();
    for set in &sets {
        let shifts: Vec<Fr> = set.rotations.iter().map(|&r| shift(protocol, r)).collect();
        words.push(Fr::from(shifts.len() as u64));
        words.push(Fr::from(set.polys.len() as u64));
        words.extend(&shifts);
        for (j, sj) in shifts.iter().enumerate() {
            let ell = shifts.iter().enumerate().filter(|&(i, _)| i != j).fold(Fr::ONE, |acc, (_, si)| acc * (*sj - si));
            words.push(ell);
        }
        for (poly, slots) in set.polys.iter().zip(&set.slots) {
            words.push(Fr::from(base(protocol, *poly)? as u64));
            words.extend(slots.iter().map(|&s| Fr::from(s as u64)));
        }
    }
    Ok(EncodedSets { count: sets.len(), words })
}
