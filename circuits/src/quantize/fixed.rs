//! Fixed-point arithmetic shared by the quantized evaluator and the circuit's witness, so the two
//! can never disagree on rounding.
//!
//! A real value `v` at scale `s` is the integer `round(v * 2^s)`. Products of two tensors live at
//! the sum of their scales and are brought back down by a *requantization*: a division by `2^d`
//! rounded to nearest (ties up), whose remainder and quotient the circuit range-checks.

/// `round(v * 2^scale)`, or `None` when `v` is not finite.
pub fn to_fixed(v: f64, scale: i32) -> Option<i128> {
    let scaled = v * 2f64.powi(scale);
    (scaled.is_finite() && scaled.abs() < 1e30).then(|| scaled.round() as i128)
}

pub fn from_fixed(q: i128, scale: i32) -> f64 {
    q as f64 / 2f64.powi(scale)
}

/// Every cell value the requantization gate constrains, for one element.
///
/// The gate proves `(x + half) * 2^(bits - shift) = (p - n) * 2^bits + u` with `u, p, n` in
/// `[0, 2^bits)` and `p * n = 0`; then `q = p - n = round(x / 2^shift)` is unique, and the output
/// is `p` (Relu) or `q`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequantCells {
    pub x: i128,
    /// Remainder of the division, shifted up to `bits` bits: `((x + half) mod 2^shift) << (bits - shift)`.
    pub u: i128,
    /// Positive part of the quotient.
    pub p: i128,
    /// Negative part of the quotient (as a positive number).
    pub n: i128,
    pub y: i128,
}

/// The requantized value of `x`, or the quotient that does not fit in `bits` bits.
pub fn requant(x: i128, shift: u32, bits: u32, relu: bool) -> Result<RequantCells, i128> {
    debug_assert!(shift <= bits);
    let half = requant_half(shift);
    let shifted = x + half;
    let q = shifted.div_euclid(1i128 << shift);
    let rem = shifted.rem_euclid(1i128 << shift);
    let bound = 1i128 << bits;
    if q.abs() >= bound {
        return Err(q);
    }
    let (p, n) = (q.max(0), (-q).max(0));
    Ok(RequantCells { x, u: rem << (bits - shift), p, n, y: if relu { p } else { q } })
}

/// The rounding offset added before dividing by `2^shift` (0 when nothing is divided).
pub fn requant_half(shift: u32) -> i128 {
    if shift == 0 {
        0
    } else {
        1i128 << (shift - 1)
    }
}

/// The comparison gadget's cells for a difference `e = ca·a + cb·b`: the result
/// `c = [e < 0]` (strict) or `[e ≤ 0]`, and the witness `r ≥ 0` that the gate derives from it,
///
/// `r = c·(off − 1 − e) + (1 − c)·(e − off)` with `off = 1` for `≤` and `0` for `<`,
///
/// which the circuit range-checks in `[0, 2^(bits+1))`: wide enough for the difference of two
/// values in the quantized range, and for a threshold as `compare_threshold` clamps it. Returns
/// `Err(e)` when `|e|` is too large for that check (the comparison could not be proved).
pub fn compare(e: i128, strict: bool, bits: u32) -> Result<(i128, i128), i128> {
    let off = (!strict) as i128;
    let c = (e < off) as i128;
    let r = c * (off - 1 - e) + (1 - c) * (e - off);
    if r >= 1i128 << (bits + 1) {
        return Err(e);
    }
    Ok((c, r))
}

/// A constant compared with a value at scale `scale`, rounded so the quantized comparison is
/// exact for every value on the grid: `x ≤ t ⇔ x_q ≤ floor(t·2^s)`, `x < t ⇔ x_q < ceil(t·2^s)`
/// (mirrored when the constant is the left operand). With `|x_q| ≤ B` (the operand's static
/// bound), a threshold past the operand's range decides every comparison alike, and is clamped
/// to the nearest value that still does: `x ≤ t` (`t ≥ x`) into `[−B−1, B]`, `x < t` (`t ≤ x`)
/// into `[−B, B+1]` — never closer, or some valid `x` would meet the wrong threshold. Then for
/// `|x| < 2^bits` the difference fits the comparison's range check.
pub fn compare_threshold(t: f64, scale: i32, strict: bool, const_on_left: bool, bound: Option<u128>) -> Option<i128> {
    let scaled = t * 2f64.powi(scale);
    if !scaled.is_finite() {
        return None;
    }
    let ceil = strict != const_on_left;
    // an f64 this large is an integer already; `as` saturates past i128's range
    let rounded = (if ceil { scaled.ceil() } else { scaled.floor() }) as i128;
    let Some(b) = bound.map(|b| b.min(1 << 120) as i128) else { return Some(rounded) };
    let (lo, hi) = if ceil { (-b, b + 1) } else { (-b - 1, b) };
    Some(rounded.clamp(lo, hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requant_rounds_to_nearest() {
        let r = requant(37, 3, 8, false).unwrap(); // 37/8 = 4.625
        assert_eq!(r.y, 5);
        let r = requant(-37, 3, 8, false).unwrap();
        assert_eq!(r.y, -5);
        assert_eq!((r.p, r.n), (0, 5));
        let r = requant(-37, 3, 8, true).unwrap();
        assert_eq!(r.y, 0);
    }

    #[test]
    fn requant_cells_satisfy_the_gate_equation() {
        for x in [-1000i128, -9, -1, 0, 1, 7, 8, 999] {
            for shift in [0u32, 1, 3, 8] {
                let r = requant(x, shift, 12, false).unwrap();
                assert_eq!((x + requant_half(shift)) << (12 - shift), (r.p - r.n) * 4096 + r.u);
                assert!(r.u >= 0 && r.u < 4096 && r.p * r.n == 0);
            }
        }
    }

    #[test]
    fn requant_rejects_out_of_range_quotients() {
        assert_eq!(requant(256 * 8, 3, 8, false), Err(256));
        assert!(requant(255 * 8, 3, 8, false).is_ok());
    }

    #[test]
    fn to_fixed_rejects_non_finite() {
        assert_eq!(to_fixed(f64::NAN, 4), None);
        assert_eq!(to_fixed(f64::INFINITY, 4), None);
        assert_eq!(to_fixed(1.5, 2), Some(6));
    }

    #[test]
    fn compare_cells_are_non_negative_and_unique() {
        for e in -20i128..20 {
            let (c, r) = compare(e, true, 8).unwrap();
            assert_eq!(c, (e < 0) as i128);
            assert!(r >= 0);
            let (c, r) = compare(e, false, 8).unwrap();
            assert_eq!(c, (e <= 0) as i128);
            assert!(r >= 0);
        }
        // two 8-bit values differ by up to 2^9 − 2: still checked
        assert!(compare(510, true, 8).is_ok() && compare(-510, true, 8).is_ok());
        assert!(compare(512, true, 8).is_err());
        assert!(compare(-513, true, 8).is_err());
    }

    #[test]
    fn clamped_thresholds_decide_every_value_in_range_alike_and_fit_the_check() {
        let (bits, bound) = (6u32, 64u128);
        for strict in [false, true] {
            for left in [false, true] {
                for t in [-1e9, -70.0, -65.0, -64.5, 63.5, 64.0, 64.5, 65.0, 70.0, 1e9] {
                    let q = compare_threshold(t, 0, strict, left, Some(bound)).unwrap();
                    for x in -(bound as i128)..=bound as i128 {
                        let truth = match (strict, left) {
                            (false, false) => x as f64 <= t,
                            (true, false) => (x as f64) < t,
                            (false, true) => t <= x as f64,
                            (true, true) => t < x as f64,
                        };
                        let e = if left { q - x } else { x - q };
                        // honest values stay below 2^bits in magnitude; −2^bits only in the input
                        if x.abs() < 1 << bits {
                            assert_eq!(
                                compare(e, strict, bits).map(|(c, _)| c == 1),
                                Ok(truth),
                                "t {t} x {x} strict {strict} left {left}"
                            );
                        } else if let Ok((c, _)) = compare(e, strict, bits) {
                            assert_eq!(c == 1, truth, "t {t} x {x}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn thresholds_keep_grid_comparisons_exact() {
        // x ≤ 0.3 at scale 4: grid values 0.25 (q=4) pass, 0.3125 (q=5) fail
        assert_eq!(compare_threshold(0.3, 4, false, false, Some(4096)), Some(4));
        // x < 0.3: q < ceil(4.8) = 5
        assert_eq!(compare_threshold(0.3, 4, true, false, Some(4096)), Some(5));
        // 0.3 ≤ x ⇔ 5 ≤ x_q
        assert_eq!(compare_threshold(0.3, 4, false, true, Some(4096)), Some(5));
        // beyond every value the operand can take: the nearest threshold that decides alike
        assert_eq!(compare_threshold(1e9, 4, false, false, Some(4096)), Some(4096));
        assert_eq!(compare_threshold(-1e9, 4, false, false, Some(4096)), Some(-4097));
        assert_eq!(compare_threshold(1e9, 4, true, false, Some(4096)), Some(4097));
        assert_eq!(compare_threshold(-1e9, 4, true, false, Some(4096)), Some(-4096));
        // a threshold inside the operand's range is kept as it is (it was clamped to 2^(bits-1))
        assert_eq!(compare_threshold(168.95, 6, false, false, Some(1 << 14)), Some(10812));
    }
}
