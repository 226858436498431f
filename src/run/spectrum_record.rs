//! `spectrum.jsonl`: one [`SpectrumRecord`] every `spectral_every` iterations — the
//! eigenvalues of the game's Jacobian J at the iterate and, where the method is linear, of its
//! update operator. Written by the engine, read by the dashboard and by tests.
//!
//! An eigenvalue λ is stored as `[re, im]`; a non-finite part is written `null` (JSON has no
//! NaN) and read back as NaN. Keys are in alphabetical order, as the file has always had them.

use nalgebra::Complex;
use serde::de::Deserializer;
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

/// One line of `spectrum.jsonl`.
///
/// Two shapes share it: a game with J in closed form (the toy games, small f64 MLPs) has
/// `nearest_imaginary_axis` and, for linear methods, `operator` and `spectral_radius`; a
/// network whose J is only reached through J·v has its Ritz values and `unconverged`, never an
/// operator (ρ needs the whole spectrum).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpectrumRecord {
    /// Eigenvalues of J, largest modulus first (at most 32 for closed-form J; the converged
    /// Ritz values for networks).
    #[serde(default, with = "complexes")]
    pub jacobian: Vec<Complex<f64>>,
    /// Closed-form J only: its 8 eigenvalues nearest the imaginary axis (the slow, rotational
    /// directions).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "optional_complexes"
    )]
    pub nearest_imaginary_axis: Option<Vec<Complex<f64>>>,
    /// Why something is missing (the method is not linear, the game has no J), or how the
    /// network's eigenvalues were found.
    #[serde(default)]
    pub note: Option<String>,
    /// Eigenvalues of the update operator, largest modulus first (at most 32), where the
    /// method is linear.
    #[serde(default, with = "optional_complexes")]
    pub operator: Option<Vec<Complex<f64>>>,
    /// ρ of the update operator (finite, or absent).
    #[serde(default)]
    pub spectral_radius: Option<f64>,
    /// Iterations completed.
    pub step: u64,
    /// Networks only: how many Ritz values did not converge (`Some(None)`: no J·v at all, see
    /// `note`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub unconverged: Option<Option<usize>>,
}

/// A present field, even `null`, is `Some` (serde reads `null` as absent otherwise).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<usize>>, D::Error> {
    Option::<usize>::deserialize(d).map(Some)
}

/// `[re, im]` with `null` for a non-finite part.
fn pair(z: &Complex<f64>) -> [Option<f64>; 2] {
    let part = |x: f64| x.is_finite().then_some(x);
    [part(z.re), part(z.im)]
}

fn unpair(p: [Option<f64>; 2]) -> Complex<f64> {
    Complex::new(p[0].unwrap_or(f64::NAN), p[1].unwrap_or(f64::NAN))
}

mod complexes {
    use super::*;

    pub fn serialize<S: Serializer>(z: &[Complex<f64>], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(z.iter().map(pair))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Complex<f64>>, D::Error> {
        Ok(Vec::<[Option<f64>; 2]>::deserialize(d)?
            .into_iter()
            .map(unpair)
            .collect())
    }
}

mod optional_complexes {
    use super::*;

    pub fn serialize<S: Serializer>(
        z: &Option<Vec<Complex<f64>>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match z {
            Some(z) => s.serialize_some(&z.iter().map(pair).collect::<Vec<_>>()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Vec<Complex<f64>>>, D::Error> {
        Ok(Option::<Vec<[Option<f64>; 2]>>::deserialize(d)?
            .map(|v| v.into_iter().map(unpair).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::records::JsonLine;

    // Lines as the engine wrote them before this type existed (with serde_json's `json!`).
    // (Values chosen to parse exactly: serde_json's default float parser can read a
    // 17-digit value one ulp off, which would fail the round trip but not the writer.)
    const DENSE: &str = r#"{"jacobian":[[0.0,1.0],[0.0,-1.0]],"nearest_imaginary_axis":[[0.0,1.0],[0.0,-1.0]],"note":null,"operator":[[0.9800000000000002,0.198997487421324],[-0.25,0.0]],"spectral_radius":1.0000000000000002,"step":0}"#;
    const NOT_LINEAR: &str = r#"{"jacobian":[[0.5,2.0]],"nearest_imaginary_axis":[[0.5,2.0]],"note":"Adam is not linear","operator":null,"spectral_radius":null,"step":50}"#;
    const NETWORK: &str = r#"{"jacobian":[[1.4361149625141958,0.0]],"note":"J: …","operator":null,"spectral_radius":null,"step":20,"unconverged":15}"#;
    const NO_JVP: &str = r#"{"jacobian":[],"note":"no exact JVPs","operator":null,"spectral_radius":null,"step":20,"unconverged":null}"#;

    #[test]
    fn records_are_written_byte_for_byte_as_before() {
        for line in [DENSE, NOT_LINEAR, NETWORK, NO_JVP] {
            let r = SpectrumRecord::parse_line(line).expect(line);
            assert_eq!(r.to_line().unwrap(), line);
        }
        let r = SpectrumRecord::parse_line(NO_JVP).unwrap();
        assert_eq!(r.unconverged, Some(None), "null is kept apart from absent");
        assert_eq!(SpectrumRecord::parse_line(DENSE).unwrap().unconverged, None);
    }

    #[test]
    fn non_finite_parts_are_null_and_read_back_as_nan() {
        let r = SpectrumRecord {
            jacobian: vec![Complex::new(f64::NAN, 1.0)],
            nearest_imaginary_axis: None,
            note: None,
            operator: Some(vec![Complex::new(2.0, f64::INFINITY)]),
            spectral_radius: None,
            step: 7,
            unconverged: None,
        };
        let line = r.to_line().unwrap();
        assert_eq!(
            line,
            r#"{"jacobian":[[null,1.0]],"note":null,"operator":[[2.0,null]],"spectral_radius":null,"step":7}"#
        );
        let back = SpectrumRecord::parse_line(&line).unwrap();
        assert!(back.jacobian[0].re.is_nan() && back.operator.unwrap()[0].im.is_nan());
    }

    #[test]
    fn a_line_without_a_step_is_not_a_record() {
        assert_eq!(SpectrumRecord::parse_line(r#"{"jacobian":[]}"#), None);
        assert_eq!(SpectrumRecord::parse_line("{\"step\":1,"), None);
    }
}
