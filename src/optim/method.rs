//! What every method declares about itself, whatever its kind (scheme, step rule, field
//! transform, wrapper): its name, its live parameters, its oracle cost, whether it is linear
//! on a linear game (and so has an iteration operator `analysis` derives by running its step
//! on matrices), and which combinations it refuses.

use super::live::MethodParam;
use super::{FieldTransform, Hyper, Rule, Scheme, Wrapper};
use crate::players::Players;

/// Oracle calls of one step: evaluations of the field (or of one player's gradient), Jacobian
/// products J·v and transposed products Jᵀ·v.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Cost {
    /// Field (or single-player gradient) evaluations.
    pub gradients: f64,
    /// J·v products.
    pub jvp: f64,
    /// Jᵀ·v products.
    pub vjp: f64,
}

impl Cost {
    /// `g` gradients, `j` J·v, `t` Jᵀ·v.
    pub const fn new(g: f64, j: f64, t: f64) -> Cost {
        Cost {
            gradients: g,
            jvp: j,
            vjp: t,
        }
    }

    /// J·v-equivalents: every gradient and every product counts one (a product by forward- or
    /// reverse-over-reverse costs a small constant times a gradient; `benches/zoo_step`
    /// measures it on the MoG networks).
    pub fn jv_equivalents(&self) -> f64 {
        self.gradients + self.jvp + self.vjp
    }

    /// This cost `k` times.
    pub fn times(&self, k: f64) -> Cost {
        Cost::new(self.gradients * k, self.jvp * k, self.vjp * k)
    }

    /// The sum of two costs.
    pub fn plus(&self, o: &Cost) -> Cost {
        Cost::new(
            self.gradients + o.gradients,
            self.jvp + o.jvp,
            self.vjp + o.vjp,
        )
    }
}

/// The other pieces of the optimizer a method is combined with (what validation checks).
pub struct Parts<'a> {
    /// The scheme.
    pub scheme: &'a Scheme,
    /// Each player's rule.
    pub rules: &'a Players<Rule>,
    /// The field transform, if any.
    pub field: Option<&'a FieldTransform>,
    /// The wrappers, innermost first.
    pub wrappers: &'a [Wrapper],
}

/// What a method declares about itself (see the module docs).
pub trait Method {
    /// Short name for tables, labels and run ids (`extragradient`, `conopt`).
    fn name(&self) -> &'static str;

    /// The live parameters it adds, with their initial values from the preset.
    fn params(&self) -> Vec<MethodParam> {
        vec![]
    }

    /// Oracle calls per step under `h` (schemes: of the whole step; transforms: per field
    /// evaluation they replace; wrappers: the factor on the inner step's cost, as a cost of
    /// `k` gradients).
    fn cost(&self, _h: &Hyper) -> Cost {
        Cost::default()
    }

    /// Ok when the method is linear on a linear game (its operator is derived); why not
    /// otherwise. Pieces that are linear but branch on data say what they do near the
    /// equilibrium (see `Moves::dot`).
    fn linear(&self) -> Result<(), String> {
        Ok(())
    }

    /// The metrics columns it fills through the oracle's [`Notes`](super::notes::Notes)
    /// (SGA with its alignment rule: the share of negative λ).
    fn notes(&self) -> Vec<super::notes::Note> {
        vec![]
    }

    /// Checks the spec's own values; the message names the field.
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }

    /// Checks that the combination with the other pieces means something; why not otherwise.
    fn combines(&self, _with: &Parts<'_>) -> Result<(), String> {
        Ok(())
    }
}
