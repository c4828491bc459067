//! The input limits as a flag or the configuration sets them, and how sizes and counts are
//! written there; resolved into [`Limits`].

use crate::load::Limits;

/// Limits a flag or the configuration sets; `None` keeps the next source's (then the default).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LimitSettings {
    pub max_file_bytes: Option<u64>,
    pub max_documents: Option<usize>,
    pub max_depth: Option<usize>,
    pub max_alias_nodes: Option<usize>,
    pub max_nodes_per_document: Option<usize>,
}

impl LimitSettings {
    /// These settings, and `fallback`'s where these set none.
    pub fn or(self, fallback: LimitSettings) -> LimitSettings {
        LimitSettings {
            max_file_bytes: self.max_file_bytes.or(fallback.max_file_bytes),
            max_documents: self.max_documents.or(fallback.max_documents),
            max_depth: self.max_depth.or(fallback.max_depth),
            max_alias_nodes: self.max_alias_nodes.or(fallback.max_alias_nodes),
            max_nodes_per_document: self
                .max_nodes_per_document
                .or(fallback.max_nodes_per_document),
        }
    }

    /// The limits: these settings, else the defaults.
    pub fn resolve(self) -> Limits {
        let d = Limits::default();
        Limits {
            max_file_bytes: self.max_file_bytes.unwrap_or(d.max_file_bytes),
            max_documents: self.max_documents.unwrap_or(d.max_documents),
            max_depth: self.max_depth.unwrap_or(d.max_depth),
            max_alias_nodes: self.max_alias_nodes.unwrap_or(d.max_alias_nodes),
            max_nodes_per_document: self
                .max_nodes_per_document
                .unwrap_or(d.max_nodes_per_document),
        }
    }
}

/// What a file size may be written as, for messages.
pub const SIZE_SYNTAX: &str = "a size from 1 byte to 2GiB (a number of bytes, or a number with KiB, MiB or GiB such as 64MiB)";

/// Parses a file size: `1048576`, `512KiB`, `64MiB`, `1GiB` (units are powers of 1024; a
/// space before the unit is allowed, `B` means bytes). `None` when it is not a size or not
/// within 1 byte and [`Limits::MAX_FILE_BYTES`].
pub fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let multiplier: u64 = match unit.trim_start() {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        _ => return None,
    };
    let bytes = number.parse::<u64>().ok()?.checked_mul(multiplier)?;
    (1..=Limits::MAX_FILE_BYTES)
        .contains(&bytes)
        .then_some(bytes)
}

/// Formats a byte count the way [`parse_size`] reads it, in the largest unit that divides it.
pub fn format_size(bytes: u64) -> String {
    for (unit, size) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
        if bytes >= size && bytes.is_multiple_of(size) {
            return format!("{}{unit}", bytes / size);
        }
    }
    format!("{bytes} bytes")
}

/// A count limit (documents, nodes) or depth, within `1..=max`.
pub fn check_count(value: i128, max: usize) -> Option<usize> {
    usize::try_from(value)
        .ok()
        .filter(|v| (1..=max).contains(v))
}
