//! A game registered by the program that runs saddle ([`super::Registry::game`]): its name and
//! the parameters the preset gave it, kept as plain values and read into the game's own
//! parameter type when it is checked and built.
//!
//! Parameters are numbers, booleans, strings, lists, `Some(…)`/`None` and nested
//! `(field: value)` groups; a choice among names is written as a string (`mode: "fast"`).

use super::registry::GameEntry;
use super::{BuiltGame, GameConfig, GameSpec};
use serde::de::{self, MapAccess, VariantAccess, Visitor};
use serde::ser::{Serialize, SerializeStruct, Serializer};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::fmt;
use std::sync::Mutex;

/// A registered game and its parameters.
#[derive(Clone)]
pub struct CustomGame {
    entry: &'static GameEntry,
    params: Map<String, Value>,
}

impl CustomGame {
    /// Its name in presets.
    pub fn name(&self) -> &'static str {
        self.entry.name
    }

    /// Its kind in run ids and the dashboard (the name in kebab case).
    pub fn kind(&self) -> &'static str {
        self.entry.kind
    }

    /// The parameters as the preset gave them.
    pub fn params(&self) -> &Map<String, Value> {
        &self.params
    }

    fn value(&self) -> Value {
        Value::Object(self.params.clone())
    }

    /// Reads the parameters of the registered game `entry` from a preset and checks they are
    /// the game's parameter type.
    pub(crate) fn read<'de, V: VariantAccess<'de>>(
        entry: &'static GameEntry,
        v: V,
    ) -> Result<GameConfig, V::Error> {
        let params = v.struct_variant(&[], ParamsVisitor)?;
        let game = CustomGame { entry, params };
        (entry.parse)(&game.value())
            .map_err(|e| de::Error::custom(format!("{}: {e}", entry.name)))?;
        Ok(GameConfig::Custom(game))
    }
}

impl fmt::Debug for CustomGame {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}({:?})", self.entry.name, self.params)
    }
}

impl PartialEq for CustomGame {
    fn eq(&self, other: &Self) -> bool {
        self.entry.name == other.entry.name && self.params == other.params
    }
}

impl GameSpec for CustomGame {
    fn check(&self, seed: u64) -> Result<(), String> {
        (self.entry.build)(&self.value(), seed).map(|_| ())
    }

    fn build(&self, seed: u64) -> Result<BuiltGame, String> {
        (self.entry.build)(&self.value(), seed).map(BuiltGame::Toy)
    }

    /// A registered game is built to count its coordinates (it is a toy game on `Vec<f64>`).
    fn coordinates(&self) -> usize {
        (self.entry.build)(&self.value(), 0).map_or(usize::MAX, |g| {
            let w = g.initial_point();
            w.theta.len() + w.phi.len()
        })
    }
}

/// A field name that lives as long as the process, as serializers want them: each distinct
/// name is stored once.
fn intern(name: &str) -> &'static str {
    static NAMES: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    let mut names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(n) = names.get(name) {
        return n;
    }
    let n: &'static str = Box::leak(name.to_string().into_boxed_str());
    names.insert(n);
    n
}

impl Serialize for CustomGame {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct(self.entry.name, self.params.len())?;
        for (k, v) in &self.params {
            st.serialize_field(intern(k), v)?;
        }
        st.end()
    }
}

struct ParamsVisitor;

impl<'de> Visitor<'de> for ParamsVisitor {
    type Value = Map<String, Value>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("the game's parameters, as in MyGame(size: 3)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Map::new();
        while let Some(k) = map.next_key::<String>()? {
            if out.contains_key(&k) {
                return Err(de::Error::custom(format!("duplicate field `{k}`")));
            }
            let v: Value = map.next_value()?;
            out.insert(k, v);
        }
        Ok(out)
    }
}
