//! The logistic function and its logarithm in f64, without overflow for any argument (the
//! toy games' losses and the exact f64 field of the MLP GANs share them).

/// σ(u) = 1/(1 + e^{−u}), computed without overflow.
#[inline]
pub fn sigmoid(u: f64) -> f64 {
    if u >= 0.0 {
        1.0 / (1.0 + (-u).exp())
    } else {
        let e = u.exp();
        e / (1.0 + e)
    }
}

/// log σ(u) = −log(1 + e^{−u}), computed without overflow.
#[inline]
pub fn log_sigmoid(u: f64) -> f64 {
    if u >= 0.0 {
        -(-u).exp().ln_1p()
    } else {
        u - u.exp().ln_1p()
    }
}
