//! The KZG accumulator an aggregate exposes, and the pairing that decides it.
//!
//! The aggregation circuit checks every inner proof except its final pairing check
//! `e(W, s·g2) = e(F, g2)`: it folds those, with random coefficients, into one pair
//! `(lhs, rhs)`, and the aggregate is valid only if `e(lhs, g2) = e(rhs, s·g2)`. The pair is the
//! first [`ACCUMULATOR_LIMBS`] public instances: `lhs.x, lhs.y, rhs.x, rhs.y`, each coordinate
//! (an `Fq` element) as 3 little-endian limbs of 88 bits.

use crate::{Srs, ACCUMULATOR_LIMBS};
use halo2_proofs::halo2curves::{
    bn256::{Bn256, Fq, Fr, G1Affine, G2Affine, G2Prepared},
    ff::PrimeField,
    group::Group,
    pairing::{MillerLoopResult, MultiMillerLoop},
    CurveAffine,
};
use snark_verifier_sdk::{BITS, LIMBS};

/// The two points, or `None` when a limb is out of range, a coordinate not canonical, or a point
/// not on the curve. `(0, 0)`, which halo2curves reads as the identity, is refused as the
/// Solidity verifier refuses it: the two verifiers accept the same accumulators.
pub fn decode(instances: &[Fr]) -> Option<(G1Affine, G1Affine)> {
    let limbs = instances.get(..ACCUMULATOR_LIMBS)?;
    let coordinates: Vec<Fq> = limbs.chunks(LIMBS).map(fq_from_limbs).collect::<Option<_>>()?;
    let point = |x: Fq, y: Fq| {
        let p = Option::<G1Affine>::from(G1Affine::from_xy(x, y))?;
        (!bool::from(halo2_proofs::halo2curves::group::prime::PrimeCurveAffine::is_identity(&p))).then_some(p)
    };
    Some((point(coordinates[0], coordinates[1])?, point(coordinates[2], coordinates[3])?))
}

/// `e(lhs, g2) = e(rhs, s·g2)` with the aggregation SRS's G2 points.
pub fn decides(srs: &Srs, instances: &[Fr]) -> bool {
    let Some((lhs, rhs)) = decode(instances) else { return false };
    let minus_s_g2: G2Affine = -srs.s_g2();
    let (g2, minus_s_g2) = (G2Prepared::from(srs.g2()), G2Prepared::from(minus_s_g2));
    let terms = [(&lhs, &g2), (&rhs, &minus_s_g2)];
    bool::from(Bn256::multi_miller_loop(&terms).final_exponentiation().is_identity())
}

/// `Σ limb_i · 2^(88 i)`, each limb below 2^88 and the sum below the base field's modulus.
fn fq_from_limbs(limbs: &[Fr]) -> Option<Fq> {
    let mut repr = [0u8; 32];
    for (i, limb) in limbs.iter().enumerate() {
        let bytes = limb.to_repr();
        if bytes.as_ref()[BITS / 8..].iter().any(|&b| b != 0) {
            return None;
        }
        for bit in 0..BITS {
            if bytes.as_ref()[bit / 8] >> (bit % 8) & 1 == 1 {
                let at = i * BITS + bit;
                *repr.get_mut(at / 8)? |= 1 << (at % 8);
            }
        }
    }
    Option::from(Fq::from_repr(repr))
}

#[cfg(test)]
mod tests {
    use super::*;
    use halo2_proofs::halo2curves::{ff::Field, group::Curve};
    use halo2_proofs::poly::commitment::ParamsProver;

    fn limbs_of(x: Fq) -> Vec<Fr> {
        let repr = x.to_repr();
        (0..LIMBS)
            .map(|i| {
                let mut limb = [0u8; 32];
                for bit in 0..BITS {
                    let at = i * BITS + bit;
                    if at < 256 && repr.as_ref()[at / 8] >> (at % 8) & 1 == 1 {
                        limb[bit / 8] |= 1 << (bit % 8);
                    }
                }
                Fr::from_repr(limb).unwrap()
            })
            .collect()
    }

    #[test]
    fn limbs_round_trip_and_refuse_what_no_coordinate_encodes() {
        let x = Fq::random(rand::rngs::OsRng);
        assert_eq!(fq_from_limbs(&limbs_of(x)), Some(x));
        // a limb of 89 bits, and a sum at or above the modulus
        let mut wide = limbs_of(x);
        wide[0] += Fr::from_u128(1u128 << BITS);
        assert_eq!(fq_from_limbs(&wide), None);
        let mut modulus = limbs_of(-Fq::ONE);
        modulus[0] += Fr::ONE;
        assert_eq!(fq_from_limbs(&modulus), None);
    }

    #[test]
    fn the_pairing_decides_a_true_accumulator_only() {
        let srs = Srs::setup(2, rand::rngs::OsRng);
        // lhs = s·P, rhs = P satisfies e(s·P, g2) = e(P, s·g2); P alone for lhs does not
        let p = (G1Affine::generator() * Fr::from(7)).to_affine();
        let s_p = srs.get_g()[1] * Fr::from(7);
        let encode = |lhs: G1Affine, rhs: G1Affine| -> Vec<Fr> {
            [lhs.x, lhs.y, rhs.x, rhs.y].into_iter().flat_map(limbs_of).collect()
        };
        assert!(decides(&srs, &encode(s_p.to_affine(), p)));
        assert!(!decides(&srs, &encode(p, p)));
        let mut off_curve = encode(s_p.to_affine(), p);
        off_curve[0] += Fr::ONE;
        assert!(!decides(&srs, &off_curve));
        // two identities satisfy the pairing trivially: refused, as on the EVM
        assert!(!decides(&srs, &vec![Fr::ZERO; ACCUMULATOR_LIMBS]));
    }
}
