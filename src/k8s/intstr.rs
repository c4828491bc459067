//! Int-or-string values: int-or-percent (`maxSurge`, `maxUnavailable`) and ports given by
//! number or name.

use crate::k8s::field::int;
use crate::load::tree::Node;

/// An `IntOrString` of a rolling update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntOrPercent {
    Int(i64),
    Percent(u64),
    /// A string that is not `[0-9]+%`.
    BadString,
}

pub const PERCENT_MSG: &str = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

impl IntOrPercent {
    /// `None` for null or a type the schema reports.
    pub fn of(node: &Node) -> Option<IntOrPercent> {
        if let Some(i) = int(node) {
            return Some(IntOrPercent::Int(i));
        }
        let s = node.as_str()?;
        let digits = s
            .strip_suffix('%')
            .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
        Some(match digits.and_then(|d| d.parse::<u64>().ok()) {
            Some(p) => IntOrPercent::Percent(p),
            None => IntOrPercent::BadString,
        })
    }

    pub fn is_zero(self) -> bool {
        matches!(self, IntOrPercent::Int(0) | IntOrPercent::Percent(0))
    }
}

/// apimachinery `IsValidPortName` (IANA_SVC_NAME), its messages in order.
pub fn port_name_errors(name: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if name.len() > 15 {
        errs.push(crate::k8s::validate::max_len_error(15));
    }
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        errs.push(
            "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".to_owned(),
        );
    }
    if !name.bytes().any(|b| b.is_ascii_lowercase()) {
        errs.push("must contain at least one letter (a-z)".to_owned());
    }
    if name.contains("--") {
        errs.push("must not contain consecutive hyphens".to_owned());
    }
    if name.starts_with('-') || name.ends_with('-') {
        errs.push("must not begin or end with a hyphen".to_owned());
    }
    errs
}

pub const PORT_RANGE_MSG: &str = "must be between 1 and 65535, inclusive";

/// A port given as a number or a name (probe and Service target ports).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortRef<'a> {
    Number(i64),
    Name(&'a str),
}

impl<'a> PortRef<'a> {
    pub fn of(node: &'a Node) -> Option<PortRef<'a>> {
        if let Some(n) = int(node) {
            return Some(PortRef::Number(n));
        }
        node.as_str().map(PortRef::Name)
    }

    /// apimachinery `ValidatePortNumOrName`: the problems, empty when valid.
    pub fn errors(self) -> Vec<String> {
        match self {
            PortRef::Number(n) if !(1..=65535).contains(&n) => vec![PORT_RANGE_MSG.to_owned()],
            PortRef::Number(_) => Vec::new(),
            PortRef::Name(name) => port_name_errors(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::tree::Node;
    use crate::load::{Limits, load};
    use crate::model::source::SourceFile;

    fn doc(text: &str) -> Node {
        let file = SourceFile::new(crate::model::diagnostic::FileId(0), "t".into(), text.into());
        load(&file, &Limits::default())
            .documents
            .into_iter()
            .next()
            .unwrap()
            .root
    }

    #[test]
    fn int_or_percent() {
        assert_eq!(
            IntOrPercent::of(&doc("25%")),
            Some(IntOrPercent::Percent(25))
        );
        assert_eq!(IntOrPercent::of(&doc("3")), Some(IntOrPercent::Int(3)));
        assert_eq!(
            IntOrPercent::of(&doc("'25'")),
            Some(IntOrPercent::BadString)
        );
        assert_eq!(IntOrPercent::of(&doc("-1%")), Some(IntOrPercent::BadString));
        assert_eq!(IntOrPercent::of(&doc("true")), None);
    }
}
