//! The optimizer core: a **scheme** (where gradients are taken: simultaneous, alternating,
//! extragradient, extrapolation from the past, optimistic, EAG, CGD, LEAD) composed with a
//! per-player **step rule** (gradient, heavy ball, Adam, RMSProp, optimistic rules), an
//! optional **field transform** (ConOpt, SGA, Hamiltonian), any **wrappers** (Lookahead), a
//! **schedule**, a **projection** and any number of **averages**. ExtraAdam is
//! `Extragradient` ∘ `Adam`, ConOpt-RMSProp is `Simultaneous` ∘ `RmsProp` ∘ `Consensus`,
//! Lookahead over ExtraAdam wraps them.
//!
//! Every method is one file in its kind's folder and one line in its kind's list
//! (`registry`); it declares its oracle cost, its live parameters, its memory (checkpointed,
//! inside [`OptimState`]) and whether it is linear on linear games. Its step is written once,
//! against the [`oracle::Oracle`] and the vectors' [`Moves`]: the same code steps runs and, on
//! symbolic vectors, gives `analysis` the method's iteration operator.
//!
//! [`Optimizer`] is the immutable configuration; all memory lives in [`OptimState`];
//! [`Scratch`] holds reusable buffers so the seed's schemes step without allocating.

mod averaging;
pub mod field;
mod hyper;
pub mod live;
pub mod method;
pub mod notes;
pub mod optimism;
pub mod oracle;
pub(crate) mod registry;
pub mod rule;
mod schedule;
pub mod scheme;
mod step;
pub mod wrapper;

pub use averaging::{AverageKind, AveragePoints, AverageSpec, AverageState};
pub use field::FieldTransform;
pub use hyper::Hyper;
pub use live::{LiveParam, MethodParam, Range, Slot};
pub use method::{Cost, Method, Parts};
pub use notes::{Note, Notes};
pub use registry::Memory;
pub use rule::{AdamMoment, Rule, RuleState};
pub use schedule::Schedule;
pub use scheme::{OptimisticFirst, Order, PastFirst, Scheme, SchemeState};
pub use step::{Scratch, Step};
pub use wrapper::Wrapper;

use crate::constraint::Constraint;
use crate::game::Game;
use crate::players::{Player, Players};
use crate::rng::Rng;
use crate::vector::Moves;
use oracle::{GameOracle, Oracle};
use serde::{Deserialize, Serialize};

/// An optimizer: scheme × per-player rule × field transform × wrappers × schedule ×
/// projection × averages.
#[derive(Clone, Debug, PartialEq)]
pub struct Optimizer {
    /// Where gradients are taken.
    pub scheme: Scheme,
    /// Each player's step rule.
    pub rules: Players<Rule>,
    /// The field the scheme sees instead of F, if any.
    pub field: Option<FieldTransform>,
    /// Wrappers around the rest, innermost first.
    pub wrappers: Vec<Wrapper>,
    /// η_t from the base η.
    pub schedule: Schedule,
    /// Each player's constraint set, projected onto after every change.
    pub constraints: Players<Constraint>,
    /// The averages kept next to the last iterate.
    pub averaging: Vec<AverageSpec>,
}

/// Everything an optimizer remembers between steps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OptimState<V> {
    /// Completed iterations t.
    pub iteration: u64,
    /// Gradient evaluations so far: evaluations of the field (or of one player's gradient) at
    /// a point on one sample — the cost axis that compares methods per gradient.
    pub oracle_calls: u64,
    /// Jacobian-vector products J·v so far.
    pub jvp_calls: u64,
    /// Transposed products Jᵀ·v so far.
    pub vjp_calls: u64,
    /// Hyperparameters in force.
    pub hyper: Hyper,
    /// Each player's rule memory.
    pub rules: Players<RuleState<V>>,
    /// The scheme's memory across steps.
    pub scheme: SchemeState<V>,
    /// One state per entry of `Optimizer::averaging`.
    pub averages: Vec<AverageState<V>>,
}

impl<V> OptimState<V> {
    /// J·v-equivalents so far: gradients plus products (see [`Cost::jv_equivalents`]).
    pub fn jv_equivalents(&self) -> u64 {
        self.oracle_calls + self.jvp_calls + self.vjp_calls
    }
}

/// The label of an optimizer from its parts: `scheme+rule[+transform]`, wrappers around it
/// (`lookahead(extragradient+adam)`), `rule_θ/rule_φ` when the players' rules differ.
pub fn label(
    scheme: &Scheme,
    rules: &Players<Rule>,
    field: Option<&FieldTransform>,
    wrappers: &[Wrapper],
) -> String {
    let rule = if rules.theta == rules.phi {
        rules.theta.name().to_string()
    } else {
        format!("{}/{}", rules.theta.name(), rules.phi.name())
    };
    let mut s = format!("{}+{rule}", scheme.name());
    if let Some(f) = field {
        s = format!("{s}+{}", f.name());
    }
    for w in wrappers {
        s = format!("{}({s})", w.name());
    }
    s
}

/// The pieces that declare live parameters and notes, in their columns' order: the scheme,
/// then the field transform and the wrappers.
fn declaring<'a>(
    scheme: &'a Scheme,
    field: Option<&'a FieldTransform>,
    wrappers: &'a [Wrapper],
) -> impl Iterator<Item = &'a dyn Method> {
    let scheme: &dyn Method = scheme.kind();
    let field = field.map(|f| -> &dyn Method { f.kind() });
    let wrappers = wrappers.iter().map(|w| -> &dyn Method { w.kind() });
    std::iter::once(scheme).chain(field).chain(wrappers)
}

/// Every live parameter the pieces declare, scheme first, then the field transform and the
/// wrappers.
pub fn method_params(
    scheme: &Scheme,
    field: Option<&FieldTransform>,
    wrappers: &[Wrapper],
) -> Vec<MethodParam> {
    declaring(scheme, field, wrappers)
        .flat_map(|m| m.params())
        .collect()
}

/// The table of live parameters of an optimizer made of these pieces (see [`live`]): η of
/// each player, β of each player whose rule has one, `d_steps` for alternating schemes, the
/// methods' own parameters, β of each EMA average.
pub fn live_table(
    scheme: &Scheme,
    rules: &Players<Rule>,
    field: Option<&FieldTransform>,
    wrappers: &[Wrapper],
    averaging: &[AverageSpec],
) -> Vec<LiveParam> {
    let mut t = vec![];
    for p in Player::BOTH {
        t.push(LiveParam {
            name: format!("eta.{p}"),
            symbol: format!("η {}", if p == Player::Theta { "θ" } else { "φ" }),
            about: format!(
                "{} step size",
                if p == Player::Theta {
                    "generator"
                } else {
                    "discriminator"
                }
            ),
            range: Range::Positive,
            slot: Slot::Eta(p),
            column: Some(format!("eta_{p}")),
        });
    }
    for p in Player::BOTH {
        if rules.get(p).has_beta() {
            t.push(LiveParam {
                name: format!("beta.{p}"),
                symbol: format!("β {}", if p == Player::Theta { "θ" } else { "φ" }),
                about: format!("{} momentum ({} rule)", p, rules.get(p).name()),
                range: Range::open(-1.0, 1.0),
                slot: Slot::Beta(p),
                column: Some(format!("beta_{p}")),
            });
        }
    }
    if scheme.kind().d_steps().is_some() {
        t.push(LiveParam {
            name: "d_steps".into(),
            symbol: "k_D".into(),
            about: "discriminator steps per generator step".into(),
            range: Range::Integer { lo: 1, hi: 10_000 },
            slot: Slot::DSteps,
            column: None,
        });
    }
    for m in method_params(scheme, field, wrappers) {
        t.push(LiveParam::of_method(&m));
    }
    for (i, a) in averaging.iter().enumerate() {
        if a.kind == AverageKind::Ema {
            t.push(LiveParam {
                name: format!("averaging.{}.beta", a.name()),
                symbol: format!("β {}", a.name()),
                about: "the EMA average's β".into(),
                range: Range::closed_open(0.0, 1.0),
                slot: Slot::AverageBeta(i),
                column: None,
            });
        }
    }
    t
}

/// Checks the pieces each on their own and together; the message starts with the field path.
pub fn validate_parts(
    scheme: &Scheme,
    rules: &Players<Rule>,
    field: Option<&FieldTransform>,
    wrappers: &[Wrapper],
) -> Result<(), String> {
    scheme
        .kind()
        .validate()
        .map_err(|e| format!("scheme: {e}"))?;
    for p in Player::BOTH {
        rules
            .get(p)
            .validate()
            .map_err(|e| format!("rules.{p}: {e}"))?;
    }
    if let Some(f) = field {
        f.kind().validate().map_err(|e| format!("field: {e}"))?;
    }
    for (i, w) in wrappers.iter().enumerate() {
        w.kind().validate().map_err(|e| format!("wrap[{i}]: {e}"))?;
    }
    let parts = Parts {
        scheme,
        rules,
        field,
        wrappers,
    };
    scheme.kind().combines(&parts)?;
    optimism::extrapolated_once(scheme, rules)?;
    for p in Player::BOTH {
        rules.get(p).kind().combines(&parts)?;
    }
    if let Some(f) = field {
        f.kind().combines(&parts)?;
    }
    for w in wrappers {
        w.kind().combines(&parts)?;
    }
    let params = method_params(scheme, field, wrappers);
    for (i, a) in params.iter().enumerate() {
        if params[..i].iter().any(|b| b.name == a.name) {
            return Err(format!(
                "wrap: two pieces declare the live parameter `{}` (nesting a wrapper in itself is not supported)",
                a.name
            ));
        }
    }
    Ok(())
}

impl Optimizer {
    /// `scheme` with `rule` for both players: constant η, no projection, no averages, no
    /// transform, no wrapper.
    pub fn plain(scheme: Scheme, rule: Rule) -> Self {
        Optimizer {
            scheme,
            rules: Players::both(rule),
            field: None,
            wrappers: vec![],
            schedule: Schedule::Constant,
            constraints: Players::both(Constraint::Free),
            averaging: vec![],
        }
    }

    /// The live parameters the methods declare, with their initial values.
    pub fn params(&self) -> Vec<MethodParam> {
        method_params(&self.scheme, self.field.as_ref(), &self.wrappers)
    }

    /// The metrics columns its pieces fill from [`Notes`], in the order they declare them.
    pub fn notes(&self) -> Vec<Note> {
        declaring(&self.scheme, self.field.as_ref(), &self.wrappers)
            .flat_map(|m| m.notes())
            .collect()
    }

    /// The table of live parameters (see [`live_table`]).
    pub fn live(&self) -> Vec<LiveParam> {
        live_table(
            &self.scheme,
            &self.rules,
            self.field.as_ref(),
            &self.wrappers,
            &self.averaging,
        )
    }

    /// Hyperparameters with η and β per player and every method parameter at its initial
    /// value.
    pub fn initial_hyper(&self, eta: Players<f64>, beta: Players<f64>) -> Hyper {
        let mut h = Hyper::new(eta, beta, self.scheme.d_steps());
        self.fill(&mut h);
        h
    }

    /// Gives every declared parameter missing from `h` its initial value.
    fn fill(&self, h: &mut Hyper) {
        for p in self.params() {
            h.values.entry(p.name.to_string()).or_insert(p.initial);
        }
    }

    /// Oracle calls of one iteration under `h`: the scheme's, each field evaluation at the
    /// transform's cost, times each wrapper's factor. CGD adds its conjugate-gradient
    /// iterations (see `scheme::cgd`).
    pub fn cost(&self, h: &Hyper) -> Cost {
        let mut h = h.clone();
        self.fill(&mut h);
        let mut c = self.scheme.kind().cost(&h);
        if let Some(f) = &self.field {
            let per = f.kind().cost(&h);
            c = Cost::new(
                c.gradients * per.gradients,
                c.jvp + c.gradients * per.jvp,
                c.vjp + c.gradients * per.vjp,
            );
        }
        for w in &self.wrappers {
            c = c.times(w.kind().cost(&h).gradients);
        }
        c
    }

    /// Ok when every piece is linear on a linear game (then `analysis` derives the
    /// optimizer's iteration operator from its step); the first reason why not otherwise.
    pub fn linear(&self) -> Result<(), String> {
        for p in Player::BOTH {
            self.rules.get(p).kind().linear()?;
        }
        self.scheme.kind().linear()?;
        if let Some(f) = &self.field {
            f.kind().linear()?;
        }
        for w in &self.wrappers {
            w.kind().linear()?;
        }
        Ok(())
    }

    /// True when the optimizer takes Jacobian products (the game must answer them).
    pub fn needs_products(&self) -> bool {
        let c = self.cost(&self.initial_hyper(Players::both(1.0), Players::both(0.0)));
        c.jvp > 0.0 || c.vjp > 0.0
    }

    /// Fresh state at ω₀ with hyperparameters `hyper` (method parameters it lacks take their
    /// initial values).
    pub fn init_state<V: Moves>(&self, w0: &Players<V>, mut hyper: Hyper) -> OptimState<V> {
        self.fill(&mut hyper);
        OptimState {
            iteration: 0,
            oracle_calls: 0,
            jvp_calls: 0,
            vjp_calls: 0,
            hyper,
            rules: Players::new(
                self.rules.theta.init(&w0.theta),
                self.rules.phi.init(&w0.phi),
            ),
            scheme: self.scheme.steps::<V>().init(w0),
            averages: self.averaging.iter().map(|a| a.init(w0)).collect(),
        }
    }

    /// η_t of both players at iteration t under `hyper`.
    pub fn eta_at(&self, hyper: &Hyper, t: u64) -> Players<f64> {
        hyper.eta.map(|&e| self.schedule.eta(e, t))
    }

    /// One iteration ω_t → ω_{t+1} on `game` (several oracle calls for some methods), counted
    /// into `st`; samples come from `rng` and advance `drawn`, the run's count of samples drawn
    /// (kept in its checkpoints). Returns what the methods noted during the step ([`Notes`]).
    /// An error ends the run: a product the game could not answer, or a solve over its time
    /// budget (the step itself was finished).
    #[inline]
    pub fn step<G: Game + ?Sized>(
        &self,
        game: &mut G,
        w: &mut Players<G::V>,
        st: &mut OptimState<G::V>,
        sc: &mut Scratch<G::V>,
        rng: &mut Rng,
        drawn: &mut u64,
    ) -> Result<Notes, String> {
        let exact = game.deterministic();
        let mut o = GameOracle::new(game, rng, drawn);
        let (r, taken) = self.step_sampled(&mut o, exact, w, st, sc);
        o.took_exact(taken);
        st.oracle_calls += o.calls.gradients;
        st.jvp_calls += o.calls.jvp;
        st.vjp_calls += o.calls.vjp;
        match o.error {
            Some(e) => Err(e),
            None => r.map(|()| o.notes),
        }
    }

    /// One iteration against any oracle (which does its own counting): the run's game, or
    /// the symbolic linear model of `analysis`.
    pub fn step_with<V: Moves>(
        &self,
        oracle: &mut dyn Oracle<V = V>,
        w: &mut Players<V>,
        st: &mut OptimState<V>,
        sc: &mut Scratch<V>,
    ) -> Result<(), String> {
        self.step_sampled(oracle, false, w, st, sc).0
    }

    /// [`Optimizer::step_with`], where `exact` says that every sample is `Sample::Exact` and
    /// drawing one changes nothing but the run's count (a deterministic game): the step then
    /// takes its samples itself and returns how many (the step's result beside them, since a
    /// step that ends the run was still finished), for the caller to count. At d = 2 a
    /// step is ~55 ns, and two calls through vtables per sample were a tenth of it (perf,
    /// AMD EPYC, 2026-12-05).
    #[inline(always)]
    fn step_sampled<V: Moves>(
        &self,
        oracle: &mut dyn Oracle<V = V>,
        exact: bool,
        w: &mut Players<V>,
        st: &mut OptimState<V>,
        sc: &mut Scratch<V>,
    ) -> (Result<(), String>, u64) {
        let eta = self.eta_at(&st.hyper, st.iteration);
        for (spec, a) in self.averaging.iter().zip(&mut st.averages) {
            spec.before_step(a, w, eta);
        }
        let mut transformed;
        let oracle: &mut dyn Oracle<V = V> = match &self.field {
            Some(t) => {
                transformed = field::Transformed::new(oracle, t, &st.hyper);
                &mut transformed
            }
            None => oracle,
        };
        let mut s = Step {
            oracle,
            rules: &self.rules,
            rule_states: &mut st.rules,
            hyper: &st.hyper,
            eta,
            constraints: &self.constraints,
            averaging: &self.averaging,
            averages: &mut st.averages,
            sc,
            stop: None,
            identity: self.rules.map(|r| rule::is_identity::<V>(r)),
            exact,
            exact_taken: 0,
        };
        self.wrapped(self.wrappers.len(), &mut s, w, &mut st.scheme);
        let taken = s.exact_taken;
        let stop = s.stop.take();
        st.iteration += 1;
        for (spec, a) in self.averaging.iter().zip(&mut st.averages) {
            spec.after_step(a, w, eta);
        }
        let r = match stop {
            Some(why) => Err(why),
            None => Ok(()),
        };
        (r, taken)
    }

    /// The step of the wrappers from `level` down, the scheme's at level 0.
    fn wrapped<V: Moves>(
        &self,
        level: usize,
        s: &mut Step<'_, V>,
        w: &mut Players<V>,
        memory: &mut SchemeState<V>,
    ) {
        if level == 0 {
            return self.scheme.steps::<V>().step(s, w, memory);
        }
        let hyper = s.hyper;
        self.wrappers[level - 1]
            .steps::<V>()
            .step(hyper, w, &mut |w| self.wrapped(level - 1, s, w, memory));
    }

    /// Short label such as `extragradient+adam` for tables and run ids.
    pub fn label(&self) -> String {
        label(
            &self.scheme,
            &self.rules,
            self.field.as_ref(),
            &self.wrappers,
        )
    }

    /// True when the player's rule takes a β.
    pub fn has_beta(&self, p: Player) -> bool {
        self.rules.get(p).has_beta()
    }
}

#[cfg(test)]
mod tests;
