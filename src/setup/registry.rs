//! The games and dataset readers a program runs saddle with: the built-in ones and its own.
//!
//! A program builds a [`Registry`], adds its games and readers (one line each) and hands it to
//! `cli::main_with`, which installs it before anything reads a preset; presets then name the
//! registered games and datasets as they name the built-in ones. Without a program of its own,
//! the built-in registry is in force.

use super::game_config::BUILTIN;
use crate::game::{Game, ToyGame};
use crate::neural::data::{self, Dataset, DatasetReader};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::OnceLock;

type Parse = dyn Fn(&Value) -> Result<(), String> + Send + Sync;
type Build = dyn Fn(&Value, u64) -> Result<ToyGame, String> + Send + Sync;

/// A registered game: its names and how its parameters are read and built.
pub(crate) struct GameEntry {
    /// Its name in presets.
    pub(crate) name: &'static str,
    /// Its kind in run ids and the dashboard.
    pub(crate) kind: &'static str,
    /// Reads the parameters into the game's parameter type (errors say why not).
    pub(crate) parse: Box<Parse>,
    /// Reads the parameters and builds the game.
    pub(crate) build: Box<Build>,
}

/// The games and dataset readers presets can name.
pub struct Registry {
    games: Vec<GameEntry>,
    datasets: Vec<Dataset>,
}

impl Default for Registry {
    fn default() -> Self {
        Registry::builtin()
    }
}

fn is_identifier(name: &str) -> bool {
    let mut c = name.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
}

/// `MyGame` → `my-game`.
fn kebab(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 && !out.ends_with('-') {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else if c == '_' {
            out.push('-');
        } else {
            out.push(c);
        }
    }
    out
}

impl Registry {
    /// The built-in games and datasets.
    pub fn builtin() -> Self {
        Registry {
            games: vec![],
            datasets: Dataset::BUILTIN.to_vec(),
        }
    }

    fn claim(what: &str, name: &str, taken: bool) {
        assert!(
            is_identifier(name),
            "saddle: cannot register the {what} {name:?}: a name is a RON identifier (letters, digits, _)"
        );
        assert!(
            !taken,
            "saddle: cannot register the {what} {name:?}: the name is taken"
        );
    }

    /// Adds the game `name`: presets write `game: name(field: value, …)`, the fields are read
    /// into `P` (with `P`'s own serde errors) and `build(params, seed)` makes the game, its
    /// random parts drawn from `seed`; its errors are shown as `game: …`.
    ///
    /// # Panics
    /// When `name` is not an identifier or is already a game's name (a mistake in the
    /// program, found when it starts).
    pub fn game<P, G, F>(mut self, name: &'static str, build: F) -> Self
    where
        P: DeserializeOwned + 'static,
        G: Game<V = Vec<f64>> + 'static,
        F: Fn(P, u64) -> Result<G, String> + Send + Sync + 'static,
    {
        let taken = BUILTIN.contains(&name) || self.games.iter().any(|g| g.name == name);
        Self::claim("game", name, taken);
        let read = |v: &Value| serde_json::from_value::<P>(v.clone()).map_err(|e| e.to_string());
        self.games.push(GameEntry {
            name,
            kind: Box::leak(kebab(name).into_boxed_str()),
            parse: Box::new(move |v| read(v).map(|_| ())),
            build: Box::new(move |v, seed| Ok(Box::new(build(read(v)?, seed)?) as ToyGame)),
        });
        self
    }

    /// Adds the dataset `name` read by `reader`: presets write `dataset: name`.
    ///
    /// # Panics
    /// When `name` is not an identifier or is already a dataset's name.
    pub fn dataset(mut self, name: &'static str, reader: impl DatasetReader + 'static) -> Self {
        Self::claim(
            "dataset",
            name,
            self.datasets.iter().any(|d| d.name() == name),
        );
        let reader: &'static dyn DatasetReader = Box::leak(Box::new(reader));
        self.datasets.push(Dataset::new(name, reader));
        self
    }
}

struct Installed {
    registry: Registry,
    names: &'static [&'static str],
}

impl Installed {
    fn new(registry: Registry) -> Self {
        let names: Vec<&'static str> = BUILTIN
            .iter()
            .copied()
            .chain(registry.games.iter().map(|g| g.name))
            .collect();
        Installed {
            registry,
            names: Box::leak(names.into_boxed_slice()),
        }
    }
}

static INSTALLED: OnceLock<Installed> = OnceLock::new();

fn installed() -> &'static Installed {
    INSTALLED.get_or_init(|| Installed::new(Registry::builtin()))
}

/// Makes `registry` the games and datasets presets can name, for the rest of the process;
/// an error when another one is already in force (a preset was read before).
pub fn install(registry: Registry) -> Result<(), String> {
    data::install(registry.datasets.clone())?;
    let mut fresh = Some(registry);
    INSTALLED.get_or_init(|| Installed::new(fresh.take().expect("set once")));
    match fresh {
        Some(_) => Err("the registry of games is already fixed for this process".into()),
        None => Ok(()),
    }
}

/// Every game's name, built-in first, in the order error messages list them.
pub(crate) fn game_names() -> &'static [&'static str] {
    installed().names
}

/// The registered game `name`.
pub(crate) fn game(name: &str) -> Option<&'static GameEntry> {
    installed().registry.games.iter().find(|g| g.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_identifiers_and_kinds_kebab_case() {
        assert!(is_identifier("MyGame") && is_identifier("_x1"));
        assert!(!is_identifier("1x") && !is_identifier("my-game") && !is_identifier(""));
        for (name, kind) in [
            ("Bilinear", "bilinear"),
            ("StochasticBilinear", "stochastic-bilinear"),
            ("DiracGan", "dirac-gan"),
            ("my_game", "my-game"),
        ] {
            assert_eq!(kebab(name), kind);
        }
    }

    #[test]
    #[should_panic(expected = "the name is taken")]
    fn a_builtin_name_cannot_be_registered_again() {
        let _ = Registry::builtin().dataset("Cifar10", crate::neural::data::cifar::Cifar10);
    }

    fn dirac(_: Value, seed: u64) -> Result<crate::game::DiracGan, String> {
        use crate::game::{DiracGan, DiracLoss, Start};
        DiracGan::new(DiracLoss::Wgan, None, &Start::default(), seed)
    }

    #[test]
    #[should_panic(expected = "cannot register the game \"Bilinear\": the name is taken")]
    fn a_builtin_game_name_is_taken() {
        let _ = Registry::builtin().game("Bilinear", dirac);
    }

    #[test]
    #[should_panic(expected = "a name is a RON identifier")]
    fn a_game_name_is_an_identifier() {
        let _ = Registry::builtin().game("my-game", dirac);
    }

    #[test]
    fn registered_games_read_their_parameters_and_build() {
        let r = Registry::builtin().game("Wgan", dirac);
        let g = &r.games[0];
        assert_eq!((g.name, g.kind), ("Wgan", "wgan"));
        assert!((g.parse)(&serde_json::json!({"any": 1})).is_ok());
        let game = (g.build)(&serde_json::json!({}), 3).unwrap();
        assert_eq!(game.initial_point().theta.len(), 1);
    }
}
