//! A tab in the indentation of a line: YAML forbids it, and the parser's complaint about what
//! it found there ("found character that cannot start any token") does not say so. The syntax
//! error is reported at the tab instead, with the fix.

use crate::model::diagnostic::{Diagnostic, Location};

/// The offset (in `source`) of the first tab in the indentation of the line of a syntax error
/// at `at`, when the error is within that indentation or at its end: the tab is the cause,
/// whatever the parser was expecting there.
pub(super) fn indenting_tab(source: &str, at: usize) -> Option<usize> {
    let at = at.min(source.len());
    let line_start = source[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = &source[line_start..];
    let indent = line
        .bytes()
        .take_while(|&b| b == b' ' || b == b'\t')
        .count();
    let tab = line[..indent].find('\t')?;
    (at <= line_start + indent).then_some(line_start + tab)
}

/// The finding, at the tab.
pub(super) fn diagnostic(tab: Location) -> Diagnostic {
    Diagnostic::new(
        &crate::model::rule::invalid_yaml,
        tab,
        "YAML syntax error: a tab character is used for indentation",
    )
    .with_label("tab")
    .with_help("indent with spaces: YAML forbids tabs for indentation")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tab_of_the_indentation_is_found() {
        assert_eq!(indenting_tab("a:\n\tb: 1\n", 3), Some(3));
        assert_eq!(indenting_tab("a:\n \tb: 1\n", 5), Some(4));
        // An error after the indentation is not about the tab.
        assert_eq!(indenting_tab("a:\n\tb: [\n", 7), None);
        assert_eq!(indenting_tab("a:\n  b: 1\n", 5), None);
    }
}
