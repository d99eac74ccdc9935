/// Reads a wire value as text: a string as it is, an integer as its decimal digits (some answers write
/// `"result_status":"1"`, others `1`).
pub(crate) struct WireText;

impl ::serde::de::Visitor<'_> for WireText {
    type Value = String;

    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        f.write_str("a string or an integer")
    }

    fn visit_str<E: ::serde::de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }

    fn visit_string<E: ::serde::de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }

    fn visit_i64<E: ::serde::de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_u64<E: ::serde::de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
}

/// Declares a string enum that keeps values it does not know (`Unknown(String)`) instead of failing, since
/// Alipay adds statuses over time. Generates `as_str`, `Display`, `FromStr` (infallible), `From<&str>` and serde impls;
/// it serialises as a string and also reads an integer as its digits.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $value:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version does not know, kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $value, )+
                    $name::Unknown(s) => s.as_str(),
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(match s {
                    $( $value => $name::$variant, )+
                    other => $name::Unknown(other.to_owned()),
                })
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s.parse() {
                    Ok(v) => v,
                    Err(never) => match never {},
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = ::serde::Deserializer::deserialize_any(d, $crate::macros::WireText)?;
                Ok($name::from(s.as_str()))
            }
        }
    };
}

/// Declares `pub const NAME: SubCode` items and a `pub const ALL` slice holding them in order.
macro_rules! sub_codes {
    ($( $(#[$meta:meta])* $name:ident = ($code:literal, $msg:literal $(, $solution:literal)?); )+) => {
        $(
            $(#[$meta])*
            pub const $name: $crate::sub_code::SubCode = $crate::sub_code::SubCode {
                code: $code,
                msg: $msg,
                solution: sub_codes!(@solution $($solution)?),
            };
        )+
        /// Every documented failure of this list, in the document's order.
        pub const ALL: &[$crate::sub_code::SubCode] = &[$($name),+];
    };
    (@solution) => { None };
    (@solution $solution:literal) => { Some($solution) };
}
