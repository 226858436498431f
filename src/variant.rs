//! A preset section that is a struct of its own (a game's `BilinearSpec`, a method's
//! `Extragradient`) written as a variant of an open enum: `Bilinear(dim: 2, …)`,
//! `Extragradient(resample: false)`. These adapters write a struct as a struct variant and read
//! a struct variant's fields into a struct, so the section's own derived serde code (field
//! names, defaults, `deny_unknown_fields` and their messages) is the one that runs. Games
//! (`setup`) and optimizer methods (`optim`) both use them.

use serde::de::value::MapAccessDeserializer;
use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::ser::{
    self, Impossible, Serialize, SerializeStruct, SerializeStructVariant, Serializer,
};
use std::fmt;
use std::marker::PhantomData;

/// Writes a struct as variant `variant` (number `index`) of the enum `name`.
pub(crate) struct AsVariant<S> {
    ser: S,
    name: &'static str,
    index: u32,
    variant: &'static str,
}

impl<S> AsVariant<S> {
    /// The adapter around `ser`.
    pub(crate) fn new(ser: S, name: &'static str, index: u32, variant: &'static str) -> Self {
        AsVariant {
            ser,
            name,
            index,
            variant,
        }
    }
}

/// The fields of the struct, written as the variant's.
pub(crate) struct Fields<V>(V);

impl<V: SerializeStructVariant> SerializeStruct for Fields<V> {
    type Ok = V::Ok;
    type Error = V::Error;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Self::Error> {
        self.0.serialize_field(key, value)
    }

    fn skip_field(&mut self, key: &'static str) -> Result<(), Self::Error> {
        self.0.skip_field(key)
    }

    fn end(self) -> Result<Self::Ok, Self::Error> {
        self.0.end()
    }
}

/// What the adapter refuses: anything but a struct.
macro_rules! not_a_struct {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method(self, $(_: $arg),*) -> Result<Self::Ok, Self::Error> {
            Err(ser::Error::custom(NOT_A_STRUCT))
        })*
    };
}

const NOT_A_STRUCT: &str = "a section serializes as a struct";

impl<S: Serializer> Serializer for AsVariant<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Impossible<S::Ok, S::Error>;
    type SerializeTuple = Impossible<S::Ok, S::Error>;
    type SerializeTupleStruct = Impossible<S::Ok, S::Error>;
    type SerializeTupleVariant = Impossible<S::Ok, S::Error>;
    type SerializeMap = Impossible<S::Ok, S::Error>;
    type SerializeStruct = Fields<S::SerializeStructVariant>;
    type SerializeStructVariant = Impossible<S::Ok, S::Error>;

    fn serialize_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, Self::Error> {
        self.ser
            .serialize_struct_variant(self.name, self.index, self.variant, len)
            .map(Fields)
    }

    not_a_struct!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<Self::Ok, Self::Error> {
        Err(ser::Error::custom(NOT_A_STRUCT))
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<Self::Ok, Self::Error> {
        Err(ser::Error::custom(NOT_A_STRUCT))
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Self::Ok, Self::Error> {
        Err(ser::Error::custom(NOT_A_STRUCT))
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Self::Error> {
        Err(ser::Error::custom(NOT_A_STRUCT))
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Self::Error> {
        Err(ser::Error::custom(NOT_A_STRUCT))
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Self::Error> {
        Err(ser::Error::custom(NOT_A_STRUCT))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Self::Error> {
        Err(ser::Error::custom(NOT_A_STRUCT))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Self::Error> {
        Err(ser::Error::custom(NOT_A_STRUCT))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Self::Error> {
        Err(ser::Error::custom(NOT_A_STRUCT))
    }
}

/// Reads a struct variant's fields into the struct `T` with `T`'s own derived code.
pub(crate) struct FieldsOf<T>(PhantomData<T>);

impl<T> FieldsOf<T> {
    /// The visitor.
    pub(crate) fn new() -> Self {
        FieldsOf(PhantomData)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for FieldsOf<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("the fields of a section, as in Bilinear(dim: 2)")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map))
    }
}
