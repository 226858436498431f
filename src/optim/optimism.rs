//! Extrapolation applied once: a scheme that extrapolates (to a point ahead, or from the past)
//! refuses a rule that extrapolates from the past (`Omd`, `OptimAdam`).
//!
//! Extragradient, extrapolation from the past, optimistic gradient, EAG and LEAD each correct
//! the plain step with a look at the field elsewhere: F at ω_{t+½}, or the difference between
//! the newest gradient and an older one (past extragradient is optimistic gradient on the
//! half-iterates, \[VI\] eq. 22; LEAD at β = 0, α = η is optimistic gradient on a bilinear
//! game). The optimistic rules make the same correction from their own memory of past
//! gradients. Under such a scheme the rule corrects a step that is corrected already: the
//! extrapolation is applied twice, a method no paper analyses, whose stable step sizes are
//! neither's (`Optimistic` with `Omd` steps with 4g_t − 4g_{t−1} + g_{t−2}).
//!
//! | scheme | `Omd`, `OptimAdam` |
//! |---|---|
//! | `Simultaneous` | accepted: OMD/OGDA and optimistic Adam as Daskalakis et al. and REF-VI run them |
//! | `Alternating` | accepted: each player's move is one optimistic step on its own past gradients |
//! | `Extragradient`, `PastExtragradient`, `Optimistic`, `Lead` | refused here: both extrapolate |
//! | `Eag`, `Cgd` | refused by the scheme itself, which takes only `Gradient` |

use super::{Rule, Scheme};
use crate::players::{Player, Players};

/// Ok unless the scheme and a player's rule both extrapolate; the message names the two
/// pieces, how each extrapolates, and the combinations that mean something.
pub fn extrapolated_once(scheme: &Scheme, rules: &Players<Rule>) -> Result<(), String> {
    let Some(by_scheme) = scheme.kind().extrapolation() else {
        return Ok(());
    };
    for p in Player::BOTH {
        let r = rules.get(p);
        if let Some(by_rule) = r.kind().extrapolation() {
            let (s, r) = (scheme.variant(), r.variant());
            return Err(format!(
                "rules.{p}: the {s} scheme and the {r} rule both extrapolate (the scheme {by_scheme}; the rule {by_rule}), so the extrapolation would be applied twice; use {r} with Simultaneous or Alternating, or {s} with a rule that does not extrapolate (Gradient, HeavyBall, Adam, RmsProp)"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::optim::{validate_parts, Rule, Scheme};
    use crate::players::Players;

    /// What validation answers for a scheme and a rule.
    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Answer {
        Accepted,
        /// Refused: both extrapolate.
        Twice,
        /// Refused by the scheme's own rule (the start of its message).
        Own(&'static str),
    }
    use Answer::*;

    const EAG: Answer = Own("EAG's anchoring");
    const CGD: Answer = Own("CGD's step");

    /// Every scheme with every rule (for both players, and for one player with `Gradient` for
    /// the other): accepted, refused as extrapolating twice, or refused by the scheme itself.
    #[test]
    fn every_scheme_and_rule_extrapolate_at_most_once() {
        let rules = [
            "Gradient",
            "HeavyBall",
            "Adam()",
            "RmsProp()",
            "Omd()",
            "OptimAdam()",
        ];
        let table: [(&str, [Answer; 6]); 8] = [
            ("Simultaneous", [Accepted; 6]),
            ("Alternating()", [Accepted; 6]),
            (
                "Extragradient()",
                [Accepted, Accepted, Accepted, Accepted, Twice, Twice],
            ),
            (
                "PastExtragradient()",
                [Accepted, Accepted, Accepted, Accepted, Twice, Twice],
            ),
            (
                "Optimistic()",
                [Accepted, Accepted, Accepted, Accepted, Twice, Twice],
            ),
            ("Eag()", [Accepted, EAG, EAG, EAG, EAG, EAG]),
            ("Cgd()", [Accepted, CGD, CGD, CGD, CGD, CGD]),
            (
                "Lead(alpha: 0.5)",
                [Accepted, Accepted, Accepted, Accepted, Twice, Twice],
            ),
        ];
        let parse_scheme = |t: &str| ron::from_str::<Scheme>(t).unwrap();
        let parse_rule = |t: &str| ron::from_str::<Rule>(t).unwrap();
        // The table covers every scheme and rule there is.
        let listed = |names: Vec<String>, all: &[&str]| {
            let mut names: Vec<String> = names;
            names.sort();
            let mut all: Vec<String> = all.iter().map(|n| n.to_string()).collect();
            all.sort();
            assert_eq!(names, all);
        };
        listed(
            table
                .iter()
                .map(|(s, _)| parse_scheme(s).variant().to_string())
                .collect(),
            Scheme::NAMES,
        );
        listed(
            rules
                .iter()
                .map(|r| parse_rule(r).variant().to_string())
                .collect(),
            Rule::NAMES,
        );
        for (s, answers) in table {
            let scheme = parse_scheme(s);
            for (r, want) in rules.iter().zip(answers) {
                let rule = parse_rule(r);
                let (sv, rv) = (scheme.variant(), rule.variant());
                let (both, phi_only) = (
                    Players::both(rule.clone()),
                    Players::new(Rule::gradient(), rule.clone()),
                );
                for (rules, p) in [(&both, "theta"), (&phi_only, "phi")] {
                    let got = validate_parts(&scheme, rules, None, &[]);
                    match (want, &got) {
                        (Accepted, Ok(())) => {}
                        (Twice, Err(e)) => {
                            let start = format!(
                                "rules.{p}: the {sv} scheme and the {rv} rule both extrapolate (the scheme "
                            );
                            assert!(e.starts_with(&start), "{s} + {r}: {e}");
                            assert!(
                                e.contains(&format!("use {rv} with Simultaneous or Alternating, or {sv} with a rule that does not extrapolate")),
                                "{s} + {r}: {e}"
                            );
                        }
                        (Own(says), Err(e)) => {
                            assert!(
                                e.starts_with(&format!("rules.{p}: {says}")),
                                "{s} + {r}: {e}"
                            )
                        }
                        _ => panic!("{s} + {r} on {p}: expected {want:?}, got {got:?}"),
                    }
                }
            }
        }
    }
}
