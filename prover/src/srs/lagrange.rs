//! The Lagrange basis of a downsized SRS, fast, and a cheap check of any Lagrange basis.
//!
//! halo2's `ParamsKZG::downsize` recomputes the basis with a group FFT whose ~n/2·log n twiddle
//! multiplications use the curve's constant-time double-and-add (256 doublings and 256
//! additions each): that is nearly all of the time a larger SRS adds to `setup`. The twiddles
//! are public roots of unity, so here they use a variable-time GLV multiplication (BN254's
//! endomorphism splits each scalar into two 128-bit halves, each in width-4 NAF): about a third
//! of the group operations. The result is the same group elements, and [`is_consistent`] checks
//! any basis against the monomial powers with two multi-scalar multiplications.

use halo2_proofs::{
    arithmetic::Field,
    halo2curves::{
        bn256::{Fr, G1Affine, G1},
        ff::{PrimeField, WithSmallOrderMulGroup},
        group::{Curve, Group},
        CurveExt,
    },
    poly::{
        commitment::{Blind, Params, ParamsProver},
        EvaluationDomain,
    },
};
use rand::rngs::OsRng;
use rayon::prelude::*;

use super::Srs;

/// `[L_i(s)]` for the domain of size `2^k`, from the first `2^k` monomial powers `g`: the
/// inverse DFT of `g`, exactly what halo2's `g_to_lagrange` returns.
pub fn lagrange_basis(g: &[G1Affine], k: u32) -> Vec<G1Affine> {
    let n = 1usize << k;
    assert!(g.len() >= n, "the SRS holds fewer than 2^k powers");
    let mut omega_inv = Fr::ROOT_OF_UNITY_INV;
    for _ in k..Fr::S {
        omega_inv = omega_inv.square();
    }
    let mut a: Vec<G1> = g[..n].par_iter().map(|p| G1::from(*p)).collect();
    fft_in_place(&mut a, omega_inv, k);
    let n_inv = Fr::from(n as u64).invert().expect("n is a power of two below the field's order");
    a.par_iter_mut().for_each(|p| *p = mul_vartime(p, &n_inv));
    let mut out = vec![G1Affine::default(); n];
    out.par_chunks_mut(1024).zip(a.par_chunks(1024)).for_each(|(o, p)| G1::batch_normalize(p, o));
    out
}

/// Whether `srs`'s Lagrange basis belongs to its monomial powers: a random polynomial committed
/// through both must give the same point (a wrong basis passes with probability 1/r).
pub fn is_consistent(srs: &Srs) -> bool {
    let domain = EvaluationDomain::<Fr>::new(1, srs.k());
    let values: Vec<Fr> = (0..srs.n()).map(|_| Fr::random(OsRng)).collect();
    let evaluations = domain.lagrange_from_vec(values);
    let through_lagrange = srs.commit_lagrange(&evaluations, Blind::default());
    let coefficients = domain.lagrange_to_coeff(evaluations);
    through_lagrange == srs.commit(&coefficients, Blind::default())
}

/// Radix-2 decimation-in-time DFT of `a` (length `2^log_n`) at the root `omega`, in place.
fn fft_in_place(a: &mut [G1], omega: Fr, log_n: u32) {
    let n = a.len();
    for i in 0..n {
        let j = i.reverse_bits() >> (usize::BITS - log_n);
        if i < j {
            a.swap(i, j);
        }
    }
    let mut half = 1;
    while half < n {
        // the twiddles of this stage: powers of a primitive (2·half)-th root of unity
        let w = omega.pow_vartime([(n / (2 * half)) as u64]);
        let twiddles: Vec<Fr> = std::iter::successors(Some(Fr::ONE), |t| Some(*t * w)).take(half).collect();
        a.par_chunks_mut(2 * half).for_each(|chunk| {
            let (lo, hi) = chunk.split_at_mut(half);
            lo.par_iter_mut().zip(hi.par_iter_mut()).zip(twiddles.par_iter()).for_each(|((x, y), t)| {
                let ty = if *t == Fr::ONE { *y } else { mul_vartime(y, t) };
                *y = *x - ty;
                *x += ty;
            });
        });
        half *= 2;
    }
}

/// `p · k` in variable time (for public scalars only): `k = k1 − ζ·k2` with |k1|, |k2| < 2^127,
/// where `ζ·p` is the endomorphism `(x, y) ↦ (β·x, y)`; falls back to the plain product when the
/// split does not give small halves.
pub(crate) fn mul_vartime(p: &G1, k: &Fr) -> G1 {
    let Some(((neg1, k1), (neg2, k2))) = split(k) else { return p * k };
    // k·p = k1·p − k2·ζp
    let a = if neg1 { -p } else { *p };
    let b = if neg2 { p.endo() } else { -p.endo() };
    let (ta, tb) = (odd_multiples(&a), odd_multiples(&b));
    let (da, db) = (naf4(k1), naf4(k2));
    let mut acc = G1::identity();
    for i in (0..da.len().max(db.len())).rev() {
        acc = acc.double();
        for (digits, table) in [(&da, &ta), (&db, &tb)] {
            match digits.get(i).copied().unwrap_or(0) {
                0 => {}
                d if d > 0 => acc += table[(d / 2) as usize],
                d => acc -= table[(-d / 2) as usize],
            }
        }
    }
    acc
}

/// `p, 3p, 5p, 7p`.
fn odd_multiples(p: &G1) -> [G1; 4] {
    let twice = p.double();
    let mut out = [*p; 4];
    for i in 1..4 {
        out[i] = out[i - 1] + twice;
    }
    out
}

/// Width-4 non-adjacent form, least significant digit first; digits are 0 or odd in −7..=7.
fn naf4(mut k: u128) -> Vec<i8> {
    let mut digits = Vec::with_capacity(130);
    while k != 0 {
        let d = if k & 1 == 1 {
            let m = (k & 15) as i8;
            let d = if m >= 8 { m - 16 } else { m };
            k = if d > 0 { k - d as u128 } else { k + (-d) as u128 };
            d
        } else {
            0
        };
        digits.push(d);
        k >>= 1;
    }
    digits
}

/// BN254's GLV lattice (the constants halo2curves uses): `c1 = ⌊γ2·k / 2^256⌋`,
/// `c2 = ⌊γ1·k / 2^256⌋`, `k2 = c2·b2 − c1·b1`, `k1 = k + ζ·k2`.
const GAMMA1: [u64; 4] = [0xd91d232ec7e0b3d7, 0x2, 0, 0];
const GAMMA2: [u64; 4] = [0x5398fd0300ff6565, 0x4ccef014a773d2d2, 0x02, 0];
const B1: [u64; 4] = [0x89d3256894d213e3, 0, 0, 0];
const B2: [u64; 4] = [0x0be4e1541221250b, 0x6f4d8248eeb859fd, 0, 0];

/// `k = k1 − ζ·k2` as (sign, magnitude) pairs, `None` unless both magnitudes are below 2^127.
/// `k1` is computed from `k` and `k2`, so the identity holds whatever the rounding did.
fn split(k: &Fr) -> Option<((bool, u128), (bool, u128))> {
    let limbs = to_limbs(k);
    let c1 = high_half(mul_512(GAMMA2, limbs));
    let c2 = high_half(mul_512(GAMMA1, limbs));
    let q1 = Fr::from_raw(low_half(mul_512(c1, B1)));
    let q2 = Fr::from_raw(low_half(mul_512(c2, B2)));
    let k2 = q2 - q1;
    let k1 = *k + k2 * <Fr as WithSmallOrderMulGroup<3>>::ZETA;
    Some((small(&k1)?, small(&k2)?))
}

/// A field element as a signed integer of magnitude below 2^127, if it is one.
fn small(x: &Fr) -> Option<(bool, u128)> {
    let fits = |f: &Fr| {
        let l = to_limbs(f);
        (l[2] == 0 && l[3] == 0 && l[1] >> 63 == 0).then(|| l[0] as u128 | (l[1] as u128) << 64)
    };
    fits(x).map(|m| (false, m)).or_else(|| fits(&-*x).map(|m| (true, m)))
}

fn to_limbs(x: &Fr) -> [u64; 4] {
    let repr = x.to_repr();
    std::array::from_fn(|i| u64::from_le_bytes(repr[8 * i..8 * i + 8].try_into().expect("8 bytes")))
}

fn mul_512(a: [u64; 4], b: [u64; 4]) -> [u64; 8] {
    let mut out = [0u64; 8];
    for i in 0..4 {
        let mut carry = 0u128;
        for j in 0..4 {
            let t = out[i + j] as u128 + a[i] as u128 * b[j] as u128 + carry;
            out[i + j] = t as u64;
            carry = t >> 64;
        }
        out[i + 4] = carry as u64;
    }
    out
}

fn high_half(x: [u64; 8]) -> [u64; 4] {
    [x[4], x[5], x[6], x[7]]
}

fn low_half(x: [u64; 8]) -> [u64; 4] {
    [x[0], x[1], x[2], x[3]]
}

#[cfg(test)]
mod tests {
    use super::*;
    use halo2_proofs::arithmetic::g_to_lagrange;
    use rand::SeedableRng;

    #[test]
    fn variable_time_multiplication_is_the_product() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        let p = G1::random(&mut rng);
        for k in [Fr::ZERO, Fr::ONE, -Fr::ONE, Fr::from(7), Fr::ROOT_OF_UNITY, Fr::ROOT_OF_UNITY_INV] {
            assert_eq!(mul_vartime(&p, &k), p * k);
        }
        for _ in 0..200 {
            let k = Fr::random(&mut rng);
            assert!(split(&k).is_some(), "every scalar splits into 127-bit halves");
            assert_eq!(mul_vartime(&p, &k), p * k);
        }
    }

    #[test]
    fn basis_is_halo2s_and_passes_the_check() {
        let big = super::super::generate_insecure(7, 3).unwrap();
        for k in [1, 4, 6] {
            let g = &big.get_g()[..1 << k];
            let expected: Vec<G1Affine> = g_to_lagrange(g.iter().map(|p| G1::from(*p)).collect(), k);
            let basis = lagrange_basis(g, k);
            assert_eq!(basis, expected, "k = {k}");
            let srs = big.from_parts(k, g.to_vec(), Some(basis), big.g2(), big.s_g2());
            assert!(is_consistent(&srs));
        }
        // a basis off by one point fails the check
        let g = &big.get_g()[..16];
        let mut basis = lagrange_basis(g, 4);
        basis.swap(2, 3);
        assert!(!is_consistent(&big.from_parts(4, g.to_vec(), Some(basis), big.g2(), big.s_g2())));
    }
}
