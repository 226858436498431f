//! The open lists of methods: each kind of piece (schemes, step rules, field transforms,
//! wrappers) is a list of registration lines, one per method, and [`methods!`] turns a list
//! into
//!
//! - the module declarations (a method is one file next to its list);
//! - the enum of method specs a preset writes (`Extragradient(resample: false)`,
//!   `Simultaneous`), with serde code that reads and writes each spec with the spec's own
//!   derived code ([`crate::variant`]), so its field names, defaults and
//!   `deny_unknown_fields` messages are the ones a preset sees;
//! - for kinds with memory, the enum of their memories (what checkpoints save), one variant
//!   per method, with the conversions a method uses to reach its own ([`Mine`]) and the walk
//!   over its vectors that `analysis` seeds and reads ([`Memory`]);
//! - the trait objects the rest of the optimizer calls: the kind's description (`kind()`) and
//!   its step code (`steps::<V>()`).
//!
//! A line reads `Name = module,` (the spec is `module::Name`, its memory `module::State<V>`),
//! or `Name = module as unit,` for a spec without fields (`Simultaneous`, `Gradient`), which
//! presets write as a bare name.

/// The vectors a method's memory holds, in a fixed order: what `analysis` replaces by symbolic
/// vectors (seeding) and reads back (the rows of the iteration operator).
pub trait Memory<V> {
    /// Calls `f` on every vector, always in the same order.
    fn visit(&mut self, f: &mut dyn FnMut(&mut V));
}

impl<V> Memory<V> for Players<V> {
    fn visit(&mut self, f: &mut dyn FnMut(&mut V)) {
        f(&mut self.theta);
        f(&mut self.phi);
    }
}

impl<V, M: Memory<V>> Memory<V> for Option<M> {
    fn visit(&mut self, f: &mut dyn FnMut(&mut V)) {
        if let Some(m) = self {
            m.visit(f);
        }
    }
}

/// A method's own memory inside the kind's enum of memories.
pub trait Mine<T> {
    /// The method's memory.
    ///
    /// # Panics
    /// When the memory is another method's (a state paired with the wrong optimizer, which
    /// `init_state` never makes).
    fn mine(&mut self) -> &mut T;
}

use crate::players::Players;

/// See the module docs.
macro_rules! methods {
    (
        $(#[$doc:meta])*
        $Enum:ident, $State:ident, $Kind:ident, $Steps:ident, $what:literal {
            $($(#[$vdoc:meta])* $Variant:ident = $module:ident $(as $unit:ident)?,)*
        }
    ) => {
        methods!(@spec $(#[$doc])* $Enum, $Kind, $Steps, $what {
            $($(#[$vdoc])* $Variant = $module $(as $unit)?,)*
        });

        /// The memory of each method between steps, as checkpoints save it.
        #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        pub enum $State<V> {
            $(#[allow(missing_docs)] $Variant($module::State<V>),)*
        }

        $(impl<V> From<$module::State<V>> for $State<V> {
            fn from(s: $module::State<V>) -> Self {
                $State::$Variant(s)
            }
        }

        impl<V> crate::optim::registry::Mine<$module::State<V>> for $State<V> {
            fn mine(&mut self) -> &mut $module::State<V> {
                #[allow(unreachable_patterns)]
                match self {
                    $State::$Variant(s) => s,
                    _ => panic!(concat!("the memory of another method than ", stringify!($Variant))),
                }
            }
        })*

        impl<V> crate::optim::registry::Memory<V> for $State<V> {
            fn visit(&mut self, f: &mut dyn FnMut(&mut V)) {
                match self {
                    $($State::$Variant(s) => crate::optim::registry::Memory::visit(s, f),)*
                }
            }
        }
    };
    (
        stateless
        $(#[$doc:meta])*
        $Enum:ident, $Kind:ident, $Steps:ident, $what:literal {
            $($(#[$vdoc:meta])* $Variant:ident = $module:ident $(as $unit:ident)?,)*
        }
    ) => {
        methods!(@spec $(#[$doc])* $Enum, $Kind, $Steps, $what {
            $($(#[$vdoc])* $Variant = $module $(as $unit)?,)*
        });
    };
    (
        @spec $(#[$doc:meta])*
        $Enum:ident, $Kind:ident, $Steps:ident, $what:literal {
            $($(#[$vdoc:meta])* $Variant:ident = $module:ident $(as $unit:ident)?,)*
        }
    ) => {
        $(pub mod $module;)*
        $(pub use $module::$Variant;)*

        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq)]
        pub enum $Enum {
            $($(#[$vdoc])* $Variant($module::$Variant),)*
        }

        impl $Enum {
            /// The names presets use, in the order error messages list them.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($Variant)),*];

            /// What the method declares about itself.
            pub fn kind(&self) -> &dyn $Kind {
                match self {
                    $($Enum::$Variant(s) => s,)*
                }
            }

            /// The method's step code on vectors of type `V`.
            pub fn steps<V: crate::vector::Moves>(&self) -> &dyn $Steps<V> {
                match self {
                    $($Enum::$Variant(s) => s,)*
                }
            }

            /// Its name in presets (`Extragradient`).
            pub fn variant(&self) -> &'static str {
                match self {
                    $($Enum::$Variant(_) => stringify!($Variant),)*
                }
            }
        }

        $(impl From<$module::$Variant> for $Enum {
            fn from(s: $module::$Variant) -> Self {
                $Enum::$Variant(s)
            }
        })*

        impl serde::Serialize for $Enum {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let index = Self::NAMES
                    .iter()
                    .position(|n| *n == self.variant())
                    .unwrap_or(0) as u32;
                match self {
                    $($Enum::$Variant(spec) => {
                        methods!(@ser [$($unit)?] s, spec, index, $Enum, $Variant)
                    })*
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for $Enum {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct Visit;
                impl<'de> serde::de::Visitor<'de> for Visit {
                    type Value = $Enum;
                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str($what)
                    }
                    fn visit_enum<A: serde::de::EnumAccess<'de>>(
                        self,
                        data: A,
                    ) -> Result<$Enum, A::Error> {
                        use serde::de::VariantAccess;
                        let (name, v) = data
                            .variant_seed(crate::variant_name::VariantName($Enum::NAMES))?;
                        match name.as_str() {
                            $(stringify!($Variant) => {
                                methods!(@de [$($unit)?] v, $Enum, $Variant, $module)
                            })*
                            other => Err(serde::de::Error::unknown_variant(other, $Enum::NAMES)),
                        }
                    }
                }
                d.deserialize_enum(stringify!($Enum), $Enum::NAMES, Visit)
            }
        }
    };
    (@ser [unit] $s:ident, $spec:ident, $index:ident, $Enum:ident, $Variant:ident) => {{
        let _ = $spec;
        $s.serialize_unit_variant(stringify!($Enum), $index, stringify!($Variant))
    }};
    (@ser [] $s:ident, $spec:ident, $index:ident, $Enum:ident, $Variant:ident) => {
        serde::Serialize::serialize(
            $spec,
            crate::variant::AsVariant::new($s, stringify!($Enum), $index, stringify!($Variant)),
        )
    };
    (@de [unit] $v:ident, $Enum:ident, $Variant:ident, $module:ident) => {{
        $v.unit_variant()?;
        Ok($Enum::$Variant($module::$Variant))
    }};
    (@de [] $v:ident, $Enum:ident, $Variant:ident, $module:ident) => {
        $v.struct_variant(&[], crate::variant::FieldsOf::<$module::$Variant>::new())
            .map($Enum::$Variant)
    };
}

pub(crate) use methods;
