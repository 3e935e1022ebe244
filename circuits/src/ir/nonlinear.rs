//! Element-wise nonlinear functions. In the circuit each is a lookup into a table of
//! `(tag, q_in, q_out)` rows computed from this definition, so any function of one variable costs
//! the same: one lookup per element.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Nonlinearity {
    Sigmoid,
    Tanh,
    Exp,
    /// Natural log; inputs ≤ 0 map to the table's most negative value.
    Log,
    Erf,
    /// `x/2 · (1 + erf(x/√2))`, the exact Gelu.
    Gelu,
    /// `x/2 · (1 + tanh(√(2/π)·(x + 0.044715·x³)))`, Gelu with `approximate = "tanh"` (GPT-2's).
    GeluTanh,
    /// Inputs < 0 map to 0.
    Sqrt,
    /// `1/x`; 0 maps to the largest representable magnitude.
    Reciprocal,
    Softplus,
    Abs,
    Neg,
    LeakyRelu {
        alpha: f32,
    },
    Elu {
        alpha: f32,
    },
    HardSigmoid {
        alpha: f32,
        beta: f32,
    },
    Clip {
        min: f32,
        max: f32,
    },
    Pow {
        exponent: f32,
    },
    /// `1/sqrt(max(x, 0) + eps)` (LayerNormalization's scale).
    Rsqrt {
        eps: f32,
    },
    /// `gamma · (x if x > 0 else alpha·(eˣ − 1))`.
    Selu {
        alpha: f32,
        gamma: f32,
    },
    /// `max(0, x) + min(0, alpha·(e^(x/alpha) − 1))`.
    Celu {
        alpha: f32,
    },
    /// `x · max(0, min(1, x/6 + 1/2))`.
    HardSwish,
    /// `x / (1 + |x|)`.
    Softsign,
    /// `x · tanh(softplus(x))`.
    Mish,
}

/// Largest magnitude a table output may hold (keeps i64 arithmetic exact downstream).
const OUTPUT_LIMIT: f64 = 1e15;

impl Nonlinearity {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Sigmoid => "Sigmoid",
            Self::Tanh => "Tanh",
            Self::Exp => "Exp",
            Self::Log => "Log",
            Self::Erf => "Erf",
            Self::Gelu => "Gelu",
            Self::Sqrt => "Sqrt",
            Self::Reciprocal => "Reciprocal",
            Self::Softplus => "Softplus",
            Self::Abs => "Abs",
            Self::Neg => "Neg",
            Self::LeakyRelu { .. } => "LeakyRelu",
            Self::Elu { .. } => "Elu",
            Self::HardSigmoid { .. } => "HardSigmoid",
            Self::Clip { .. } => "Clip",
            Self::Pow { .. } => "Pow",
            Self::Rsqrt { .. } => "Rsqrt",
            Self::GeluTanh => "Gelu(tanh)",
            Self::Selu { .. } => "Selu",
            Self::Celu { .. } => "Celu",
            Self::HardSwish => "HardSwish",
            Self::Softsign => "Softsign",
            Self::Mish => "Mish",
        }
    }

    /// The function in f64, clamped to a finite range (for the float graph and the tables).
    pub fn apply(&self, x: f64) -> f64 {
        let y = match *self {
            Self::Sigmoid => 1.0 / (1.0 + (-x).exp()),
            Self::Tanh => x.tanh(),
            Self::Exp => x.exp(),
            Self::Log => x.ln(),
            Self::Erf => erf(x),
            Self::Gelu => 0.5 * x * (1.0 + erf(x / std::f64::consts::SQRT_2)),
            Self::Sqrt => x.max(0.0).sqrt(),
            Self::Reciprocal => 1.0 / x,
            Self::Softplus => softplus(x),
            Self::Abs => x.abs(),
            Self::Neg => -x,
            Self::LeakyRelu { alpha } => {
                if x >= 0.0 {
                    x
                } else {
                    alpha as f64 * x
                }
            }
            Self::Elu { alpha } => {
                if x >= 0.0 {
                    x
                } else {
                    alpha as f64 * x.exp_m1()
                }
            }
            Self::HardSigmoid { alpha, beta } => (alpha as f64 * x + beta as f64).clamp(0.0, 1.0),
            Self::Clip { min, max } => x.clamp(min as f64, max as f64),
            Self::Pow { exponent } => x.powf(exponent as f64),
            Self::Rsqrt { eps } => 1.0 / (x.max(0.0) + eps as f64).sqrt(),
            Self::GeluTanh => {
                let inner = (2.0 / std::f64::consts::PI).sqrt() * (x + 0.044715 * x * x * x);
                0.5 * x * (1.0 + inner.tanh())
            }
            Self::Selu { alpha, gamma } => gamma as f64 * if x > 0.0 { x } else { alpha as f64 * x.exp_m1() },
            Self::Celu { alpha } => {
                let alpha = alpha as f64;
                x.max(0.0) + (alpha * (x / alpha).exp_m1()).min(0.0)
            }
            Self::HardSwish => x * (x / 6.0 + 0.5).clamp(0.0, 1.0),
            Self::Softsign => x / (1.0 + x.abs()),
            Self::Mish => x * softplus(x).tanh(),
        };
        if y.is_nan() {
            0.0
        } else {
            y.clamp(-OUTPUT_LIMIT, OUTPUT_LIMIT)
        }
    }
}

/// `ln(1 + eˣ)` without overflow.
fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

/// erf with |error| < 1.2e-7 (Numerical Recipes' erfc Chebyshev fit), enough for 16-bit tables.
pub fn erf(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.26551223
        + t * (1.00002368
            + t * (0.37409196
                + t * (0.09678418
                    + t * (-0.18628806
                        + t * (0.27886807
                            + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
    let erfc = t * poly.exp();
    if x >= 0.0 {
        1.0 - erfc
    } else {
        erfc - 1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_match_known_values() {
        assert!((Nonlinearity::Sigmoid.apply(0.0) - 0.5).abs() < 1e-12);
        assert!((erf(1.0) - 0.8427007929).abs() < 1e-6);
        assert!((Nonlinearity::Gelu.apply(1.0) - 0.8413447461).abs() < 1e-6);
        assert_eq!(Nonlinearity::Log.apply(0.0), -OUTPUT_LIMIT);
        assert_eq!(Nonlinearity::Reciprocal.apply(0.0), OUTPUT_LIMIT);
        assert_eq!(Nonlinearity::Clip { min: -1.0, max: 2.0 }.apply(5.0), 2.0);
        assert_eq!(Nonlinearity::Sqrt.apply(-4.0), 0.0);
        // torch.nn.functional.gelu(1.0, approximate="tanh"), selu(-1.0), hardswish(1.0), mish(1.0)
        assert!((Nonlinearity::GeluTanh.apply(1.0) - 0.8411919906).abs() < 1e-9);
        let selu = Nonlinearity::Selu { alpha: 1.673_263_2, gamma: 1.050_701 };
        assert!((selu.apply(-1.0) + 1.1113307).abs() < 1e-6);
        assert!((Nonlinearity::HardSwish.apply(1.0) - 2.0 / 3.0).abs() < 1e-12);
        assert!((Nonlinearity::Mish.apply(1.0) - 0.8650983882).abs() < 1e-9);
        assert_eq!(Nonlinearity::Softsign.apply(1.0), 0.5);
        assert!((Nonlinearity::Celu { alpha: 2.0 }.apply(-2.0) - 2.0 * (-1f64).exp_m1()).abs() < 1e-12);
    }
}
