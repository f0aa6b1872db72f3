//! [`c_enum!`]: a C enumeration's numbers written once.
//!
//! cbindgen reads the `#[repr(u32)]` enums as written in the source (it
//! does not expand macros), so each C enum stays spelled out with its
//! numbers, and that is the only place a number is written. This macro
//! then pairs each variant with core's value, once, and derives both
//! directions from that one table:
//!
//! - `c_enum!(C => T { C_X = value, ... })`: every C variant has a value.
//!   Gives `C::ALL`, `C::from_number(u32)` (for numbers from C) and
//!   `C::value(self)`, an exhaustive match: a C variant left out of the
//!   table does not compile.
//! - `c_enum!(C <= Core { C_X = Core::X, ... })`: every core variant has a
//!   C one. Gives `C::of(Core)`, a `const fn` and an exhaustive match (a
//!   core variant left out does not compile), and
//!   `C::core_from_number(u32)`.
//! - `c_enum!(C <=> Core { ... })`: both.

macro_rules! c_enum {
    ($c:ident => $t:ty { $($cv:ident = $value:expr),+ $(,)? }) => {
        #[allow(dead_code)]
        impl $c {
            /// Every variant: the same list as `value`'s exhaustive match.
            pub(crate) const ALL: &'static [$c] = &[$($c::$cv),+];

            /// The variant numbered `n`, if there is one.
            pub(crate) fn from_number(n: u32) -> Option<$c> {
                $c::ALL.iter().copied().find(|v| *v as u32 == n)
            }

            /// What this variant stands for.
            pub(crate) fn value(self) -> $t {
                match self {
                    $($c::$cv => $value),+
                }
            }
        }
    };
    ($c:ident <= $core:ty { $($cv:ident = $value:path),+ $(,)? }) => {
        #[allow(dead_code)]
        impl $c {
            /// The variant for core's `value`.
            pub(crate) const fn of(value: $core) -> $c {
                match value {
                    $($value => $c::$cv),+
                }
            }

            /// Core's value for the number `n` from C, if it is one of the
            /// variants paired with one.
            pub(crate) fn core_from_number(n: u32) -> Option<$core> {
                [$($value),+].into_iter().find(|v| $c::of(*v) as u32 == n)
            }
        }
    };
    ($c:ident <=> $core:ty { $($cv:ident = $value:path),+ $(,)? }) => {
        c_enum!($c => $core { $($cv = $value),+ });
        c_enum!($c <= $core { $($cv = $value),+ });
    };
}
