//! The game section of a preset: which game, with which parameters.
//!
//! A preset writes `game: Name(field: value, …)`. `Name` is a built-in game (the list below,
//! one line each) or a game the program registered ([`super::Registry::game`]); an unknown
//! name is refused with the list of known ones, where it stands in the file.

use super::custom::CustomGame;
use super::registry;
use super::{BuiltGame, ImageGanSpec, MixtureGanSpec};
use crate::game::{
    BilinearSpec, DiracGanSpec, LogisticSpec, MlpGanSpec, QuadraticSpec, Start,
    StochasticBilinearSpec, ToyGame, ToySpec, TturSaddleSpec,
};
use crate::variant::{AsVariant, FieldsOf};
use crate::variant_name::VariantName;
use serde::de::{self, EnumAccess, VariantAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// What every game section can do.
pub trait GameSpec {
    /// Checks the section can be built, without building what is expensive (neural games
    /// check their values, device and data files; toy games are built).
    fn check(&self, seed: u64) -> Result<(), String>;
    /// Builds the game; random parts (and initial weights) are drawn from `seed`.
    fn build(&self, seed: u64) -> Result<BuiltGame, String>;
    /// Coordinates of θ and φ together from the section alone; `usize::MAX` for games too
    /// large to build for a picture (networks).
    fn coordinates(&self) -> usize {
        usize::MAX
    }
    /// Where the players start, for games a run may start elsewhere.
    fn start_mut(&mut self) -> Option<&mut Start> {
        None
    }
    /// Writes into the section what the environment decides for it (a dataset's directory
    /// from `$SADDLE_DATA` or relative to the working directory), so that the run's
    /// `config.ron` names it and a resume, replay or fork reads the same files from anywhere.
    fn pin(&mut self) -> Result<(), String> {
        Ok(())
    }
}

impl<T: ToySpec> GameSpec for T {
    fn check(&self, seed: u64) -> Result<(), String> {
        ToySpec::build(self, seed).map(|_| ())
    }
    fn build(&self, seed: u64) -> Result<BuiltGame, String> {
        ToySpec::build(self, seed).map(BuiltGame::Toy)
    }
    fn coordinates(&self) -> usize {
        ToySpec::coordinates(self)
    }
    fn start_mut(&mut self) -> Option<&mut Start> {
        Some(ToySpec::start_mut(self))
    }
}

/// The built-in games: `Variant(its section) = "its kind"`, one line per game, in the order
/// error messages list them. The kind names the game in run ids and the dashboard.
macro_rules! games {
    ($($(#[$doc:meta])* $variant:ident($spec:ty) = $kind:literal,)*) => {
        /// Which game a preset plays: a built-in game's section, or a registered game's.
        #[derive(Clone, Debug, PartialEq)]
        pub enum GameConfig {
            $($(#[$doc])* $variant($spec),)*
            /// A game registered by the program that runs saddle.
            Custom(CustomGame),
        }

        /// The built-in games' names.
        pub(crate) const BUILTIN: &[&str] = &[$(stringify!($variant)),*];

        impl GameConfig {
            /// The section, whatever the game.
            pub fn spec(&self) -> &dyn GameSpec {
                match self {
                    $(GameConfig::$variant(s) => s,)*
                    GameConfig::Custom(c) => c,
                }
            }

            fn spec_mut(&mut self) -> &mut dyn GameSpec {
                match self {
                    $(GameConfig::$variant(s) => s,)*
                    GameConfig::Custom(c) => c,
                }
            }

            /// The game's name in presets (`Bilinear`, a registered name).
            pub fn name(&self) -> &'static str {
                match self {
                    $(GameConfig::$variant(_) => stringify!($variant),)*
                    GameConfig::Custom(c) => c.name(),
                }
            }

            /// Short name of the game kind, used in run ids and the dashboard.
            pub fn kind(&self) -> &'static str {
                match self {
                    $(GameConfig::$variant(_) => $kind,)*
                    GameConfig::Custom(c) => c.kind(),
                }
            }
        }

        impl Serialize for GameConfig {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let index = registry::game_names()
                    .iter()
                    .position(|n| *n == self.name())
                    .unwrap_or(0) as u32;
                let s = AsVariant::new(s, "GameConfig", index, self.name());
                match self {
                    $(GameConfig::$variant(spec) => spec.serialize(s),)*
                    GameConfig::Custom(c) => c.serialize(s),
                }
            }
        }

        /// Reads the fields of the built-in game `name`.
        fn read_builtin<'de, V: VariantAccess<'de>>(name: &str, v: V) -> Result<GameConfig, V::Error> {
            match name {
                $(stringify!($variant) => v
                    .struct_variant(&[], FieldsOf::<$spec>::new())
                    .map(GameConfig::$variant),)*
                other => Err(de::Error::unknown_variant(other, BUILTIN)),
            }
        }
    };
}

games! {
    /// min_θ max_φ θᵀAφ + aᵀθ + bᵀφ, θ, φ ∈ ℝ^dim.
    Bilinear(BilinearSpec) = "bilinear",
    /// The finite-sum bilinear game of \[VI\] §7.1, one component per oracle call.
    StochasticBilinear(StochasticBilinearSpec) = "stochastic-bilinear",
    /// The talk's non-convex toy: min_θ max_φ −log(1 + e^{−φᵀθ}) − log(1 + e^{φᵀx₀}).
    Logistic(LogisticSpec) = "logistic",
    /// Dirac-GAN: θ, φ ∈ ℝ.
    DiracGan(DiracGanSpec) = "dirac-gan",
    /// A small MLP GAN in f64 (`game::MlpGan`).
    MlpGan(MlpGanSpec) = "mlp-gan",
    /// A quadratic game mixing potential and rotational parts.
    Quadratic(QuadraticSpec) = "quadratic",
    /// A GAN on a 2-D mixture of Gaussians with MLP players.
    MixtureGan(MixtureGanSpec) = "mixture-gan",
    /// An image GAN (DCGAN or ResNet players) on image files.
    ImageGan(ImageGanSpec) = "image-gan",
    /// The TTUR paper's noisy saddle (1 + x²)(100 − y²).
    TturSaddle(TturSaddleSpec) = "ttur-saddle",
}

impl GameConfig {
    /// The same game started at `start` (games whose start a run may not change: unchanged).
    pub fn with_start(&self, start: Start) -> GameConfig {
        let mut g = self.clone();
        if let Some(s) = g.spec_mut().start_mut() {
            *s = start;
        }
        g
    }

    /// The section with what the environment decides written in (see [`GameSpec::pin`]).
    pub fn pinned(&self) -> Result<GameConfig, String> {
        let mut g = self.clone();
        g.spec_mut().pin()?;
        Ok(g)
    }

    /// True when a run may start the game elsewhere than its section says.
    pub fn takes_start(&self) -> bool {
        self.clone().spec_mut().start_mut().is_some()
    }

    /// True for games whose players are networks (they start from a seeded initialization).
    pub fn is_neural(&self) -> bool {
        matches!(self, GameConfig::MixtureGan(_) | GameConfig::ImageGan(_))
    }

    /// Checks the game can be built, without building what is expensive: neural games check
    /// their values, device and data files; toy games are built.
    pub fn check(&self, seed: u64) -> Result<(), String> {
        self.spec().check(seed)
    }

    /// Builds the game whatever its kind.
    pub fn build_any(&self, seed: u64) -> Result<BuiltGame, String> {
        self.spec().build(seed)
    }

    /// Builds a toy game; random parts are drawn from `seed`. Errors say what is wrong.
    pub fn build(&self, seed: u64) -> Result<ToyGame, String> {
        match self.build_any(seed)? {
            BuiltGame::Toy(g) => Ok(g),
            _ => Err(format!("{} is a neural game (see build_any)", self.kind())),
        }
    }

    /// Coordinates of θ and φ together, read from the section without building the game
    /// where it can be; `usize::MAX` for games too large to build for a picture.
    pub fn coordinates(&self) -> usize {
        self.spec().coordinates()
    }
}

impl<'de> Deserialize<'de> for GameConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_enum("GameConfig", registry::game_names(), GameVisitor)
    }
}

struct GameVisitor;

impl<'de> Visitor<'de> for GameVisitor {
    type Value = GameConfig;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a game, e.g. Bilinear(dim: 2)")
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<GameConfig, A::Error> {
        let names = registry::game_names();
        let (name, v) = data.variant_seed(VariantName(names))?;
        if BUILTIN.contains(&name.as_str()) {
            read_builtin(&name, v)
        } else if let Some(entry) = registry::game(&name) {
            CustomGame::read(entry, v)
        } else {
            Err(de::Error::unknown_variant(&name, names))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_section_reads_back_what_it_writes_in_ron_and_json() {
        let sections = [
            "Bilinear(dim: 2)",
            "StochasticBilinear(dim: 3, components: 4)",
            "Logistic(x0: [-2.0])",
            "DiracGan(loss: Saturating, clip: Some(0.5))",
            "MlpGan(hidden: 3, samples: 8, modes: 2)",
            "Quadratic(dim: 2, mix: 0.5, mu: 0.2, ell: 1.0)",
            "MixtureGan(mixture: NegativeMomentum8, loss: Saturating)",
            "ImageGan(dataset: Mnist, arch: Dcgan(filters: 8, d_batchnorm: true), loss: Wgan)",
            "TturSaddle(noise: 0.5)",
        ];
        for (text, name) in sections.iter().zip(BUILTIN) {
            let g: GameConfig = ron::from_str(text).unwrap();
            assert_eq!(g.name(), *name);
            let back: GameConfig = ron::from_str(&ron::to_string(&g).unwrap()).unwrap();
            assert_eq!(back, g, "{text}");
            let json = serde_json::to_value(&g).unwrap();
            assert!(json.get(name).is_some(), "{json}");
            assert_eq!(serde_json::from_value::<GameConfig>(json).unwrap(), g);
        }
        // The shape the enum with inline fields wrote: config.ron files of earlier runs.
        let g: GameConfig = ron::from_str("Bilinear(dim: 2)").unwrap();
        assert_eq!(
            ron::to_string(&g).unwrap(),
            "Bilinear(dim:2,matrix:Identity,linear:Zero,constraint:None,start:Random(scale:1.0))"
        );
    }

    #[test]
    fn a_run_start_goes_to_toy_games_only() {
        let start = Start::Point {
            theta: vec![1.0],
            phi: vec![2.0],
        };
        let g: GameConfig = ron::from_str("DiracGan(loss: Wgan)").unwrap();
        assert!(g.takes_start());
        match g.with_start(start.clone()) {
            GameConfig::DiracGan(s) => assert_eq!(s.start, start),
            other => panic!("{other:?}"),
        }
        let n: GameConfig =
            ron::from_str("MixtureGan(mixture: NegativeMomentum8, loss: Saturating)").unwrap();
        assert!(!n.takes_start() && n.is_neural());
        assert_eq!(n.with_start(start), n);
        assert_eq!(n.coordinates(), usize::MAX);
    }
}
