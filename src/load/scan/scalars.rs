//! Scanning scalars: block (`|`, `>`), flow (single and double quoted) and plain.

use super::*;

impl Scanner<'_> {
    pub(super) fn scan_block_scalar(&mut self, literal: bool) -> Result<(), ()> {
        let start = self.mark;
        self.skip();
        let mut chomping = 0i8;
        let mut increment = 0usize;
        if matches!(self.at(0), b'+' | b'-') {
            chomping = if self.at(0) == b'+' { 1 } else { -1 };
            self.skip();
            if self.at(0).is_ascii_digit() {
                if self.at(0) == b'0' {
                    return self.error("found an indentation indicator equal to 0");
                }
                increment = usize::from(self.at(0) - b'0');
                self.skip();
            }
        } else if self.at(0).is_ascii_digit() {
            if self.at(0) == b'0' {
                return self.error("found an indentation indicator equal to 0");
            }
            increment = usize::from(self.at(0) - b'0');
            self.skip();
            if matches!(self.at(0), b'+' | b'-') {
                chomping = if self.at(0) == b'+' { 1 } else { -1 };
                self.skip();
            }
        }
        self.skip_blanks();
        if self.at(0) == b'#' {
            while !self.is_breakz(0) {
                self.skip();
            }
        }
        if !self.is_breakz(0) {
            return self.error("did not find expected comment or line break");
        }
        self.skip_line();
        let mut end = self.mark;
        let mut indent = 0usize;
        if increment > 0 {
            indent = if self.indent >= 0 {
                self.indent as usize + increment
            } else {
                increment
            };
        }
        let mut s = String::new();
        let mut leading_break = String::new();
        let mut trailing_breaks = String::new();
        self.block_scalar_breaks(&mut indent, &mut trailing_breaks, &mut end)?;
        let mut content_start = None;
        let mut leading_blank = false;
        while self.mark.column == indent && !self.is_z(0) {
            content_start.get_or_insert(self.mark);
            let trailing_blank = self.is_blank(0);
            if !literal && leading_break.starts_with('\n') && !leading_blank && !trailing_blank {
                if trailing_breaks.is_empty() {
                    s.push(' ');
                }
            } else {
                s.push_str(&leading_break);
            }
            leading_break.clear();
            s.push_str(&trailing_breaks);
            trailing_breaks.clear();
            leading_blank = self.is_blank(0);
            let from = self.mark.index;
            while !self.is_breakz(0) {
                self.skip();
            }
            s.push_str(&self.text[from..self.mark.index.min(self.src.len())]);
            self.read_line(&mut leading_break);
            self.block_scalar_breaks(&mut indent, &mut trailing_breaks, &mut end)?;
        }
        if chomping != -1 {
            s.push_str(&leading_break);
        }
        if chomping == 1 {
            s.push_str(&trailing_breaks);
        }
        let stop = self.mark;
        let style = if literal {
            ScalarStyle::Literal
        } else {
            ScalarStyle::Folded
        };
        self.push_token(
            TokenKind::Scalar {
                value: s,
                style,
                span: (content_start.unwrap_or(stop), stop),
            },
            start,
            end,
        );
        Ok(())
    }

    /// The indentation and empty lines of a block scalar; sets the indentation when the
    /// header gave none (the deepest of the leading empty lines, or of the first content line).
    pub(super) fn block_scalar_breaks(
        &mut self,
        indent: &mut usize,
        breaks: &mut String,
        end: &mut Mark,
    ) -> Result<(), ()> {
        *end = self.mark;
        let mut max_indent = 0;
        loop {
            while (*indent == 0 || self.mark.column < *indent) && self.at(0) == b' ' {
                self.skip();
            }
            max_indent = max_indent.max(self.mark.column);
            if (*indent == 0 || self.mark.column < *indent) && self.at(0) == b'\t' {
                return self.error("found a tab character where an indentation space is expected");
            }
            if !self.is_break(0) {
                break;
            }
            self.read_line(breaks);
            *end = self.mark;
        }
        if *indent == 0 {
            *indent = max_indent.max((self.indent + 1) as usize).max(1);
        }
        Ok(())
    }

    pub(super) fn scan_flow_scalar(&mut self, single: bool) -> Result<(), ()> {
        let start = self.mark;
        self.skip();
        let mut s = String::new();
        let mut leading_break = String::new();
        let mut trailing_breaks = String::new();
        let mut whitespaces = String::new();
        loop {
            if self.mark.column == 0
                && ((self.at(0) == b'-' && self.at(1) == b'-' && self.at(2) == b'-')
                    || (self.at(0) == b'.' && self.at(1) == b'.' && self.at(2) == b'.'))
                && self.is_blankz(3)
            {
                return self.error("found unexpected document indicator");
            }
            if self.is_z(0) {
                return self.error("found unexpected end of stream");
            }
            let mut leading_blanks = false;
            while !self.is_blankz(0) {
                let c = self.at(0);
                if c != b'\'' && c != b'"' && c != b'\\' {
                    // A run of ordinary characters, copied at once.
                    let run = self.mark.index;
                    while !self.is_blankz(0) && !matches!(self.at(0), b'\'' | b'"' | b'\\') {
                        self.skip();
                    }
                    s.push_str(&self.text[run..self.mark.index]);
                    continue;
                }
                if single && c == b'\'' && self.at(1) == b'\'' {
                    s.push('\'');
                    self.skip();
                    self.skip();
                } else if c == if single { b'\'' } else { b'"' } {
                    break;
                } else if !single && c == b'\\' && self.is_break(1) {
                    // An escaped line break: the break and the next line's indentation vanish.
                    self.skip();
                    self.skip_line();
                    leading_blanks = true;
                    break;
                } else if !single && c == b'\\' {
                    let mut code_length = 0;
                    match self.at(1) {
                        b'0' => s.push('\0'),
                        b'a' => s.push('\x07'),
                        b'b' => s.push('\x08'),
                        b't' | b'\t' => s.push('\t'),
                        b'n' => s.push('\n'),
                        b'v' => s.push('\x0b'),
                        b'f' => s.push('\x0c'),
                        b'r' => s.push('\r'),
                        b'e' => s.push('\x1b'),
                        b' ' => s.push(' '),
                        b'"' => s.push('"'),
                        b'\'' => s.push('\''),
                        b'\\' => s.push('\\'),
                        b'N' => s.push('\u{85}'),
                        b'_' => s.push('\u{a0}'),
                        b'L' => s.push('\u{2028}'),
                        b'P' => s.push('\u{2029}'),
                        b'x' => code_length = 2,
                        b'u' => code_length = 4,
                        b'U' => code_length = 8,
                        _ => return self.error("found unknown escape character"),
                    }
                    self.skip();
                    self.skip();
                    if code_length > 0 {
                        let mut value = 0u32;
                        for k in 0..code_length {
                            if !is_hex(self.at(k)) {
                                return self.error("did not find expected hexdecimal number");
                            }
                            value = (value << 4) + hex_value(self.at(k));
                        }
                        let Some(ch) = char::from_u32(value) else {
                            return self.error("found invalid Unicode character escape code");
                        };
                        s.push(ch);
                        for _ in 0..code_length {
                            self.skip();
                        }
                    }
                } else {
                    self.read(&mut s);
                }
            }
            if self.at(0) == if single { b'\'' } else { b'"' } {
                break;
            }
            while self.is_blank(0) || self.is_break(0) {
                if self.is_blank(0) {
                    if leading_blanks {
                        self.skip();
                    } else {
                        self.read(&mut whitespaces);
                    }
                } else if leading_blanks {
                    self.read_line(&mut trailing_breaks);
                } else {
                    whitespaces.clear();
                    self.read_line(&mut leading_break);
                    leading_blanks = true;
                }
            }
            if leading_blanks {
                if leading_break.starts_with('\n') {
                    if trailing_breaks.is_empty() {
                        s.push(' ');
                    } else {
                        s.push_str(&trailing_breaks);
                    }
                } else {
                    s.push_str(&leading_break);
                    s.push_str(&trailing_breaks);
                }
                trailing_breaks.clear();
                leading_break.clear();
            } else {
                s.push_str(&whitespaces);
                whitespaces.clear();
            }
        }
        self.skip();
        let end = self.mark;
        let style = if single {
            ScalarStyle::SingleQuoted
        } else {
            ScalarStyle::DoubleQuoted
        };
        self.push_token(
            TokenKind::Scalar {
                value: s,
                style,
                span: (start, end),
            },
            start,
            end,
        );
        Ok(())
    }

    pub(super) fn scan_plain_scalar(&mut self) -> Result<(), ()> {
        let mut s = String::new();
        let mut leading_break = String::new();
        let mut trailing_breaks = String::new();
        let mut whitespaces = String::new();
        let mut leading_blanks = false;
        let indent = self.indent + 1;
        let start = self.mark;
        let mut end = self.mark;
        let flow = self.flow_level > 0;
        loop {
            if self.mark.column == 0
                && ((self.at(0) == b'-' && self.at(1) == b'-' && self.at(2) == b'-')
                    || (self.at(0) == b'.' && self.at(1) == b'.' && self.at(2) == b'.'))
                && self.is_blankz(3)
            {
                break;
            }
            if self.at(0) == b'#' {
                break;
            }
            // A run of non-blank characters, copied at once.
            let run = self.mark.index;
            while !self.is_blankz(0) {
                let c = self.at(0);
                if (c == b':' && self.is_blankz(1))
                    || (flow && matches!(c, b',' | b'?' | b'[' | b']' | b'{' | b'}'))
                {
                    break;
                }
                self.skip();
            }
            if self.mark.index > run {
                if leading_blanks {
                    if leading_break.starts_with('\n') {
                        if trailing_breaks.is_empty() {
                            s.push(' ');
                        } else {
                            s.push_str(&trailing_breaks);
                        }
                    } else {
                        s.push_str(&leading_break);
                        s.push_str(&trailing_breaks);
                    }
                    trailing_breaks.clear();
                    leading_break.clear();
                    leading_blanks = false;
                } else if !whitespaces.is_empty() {
                    s.push_str(&whitespaces);
                    whitespaces.clear();
                }
                s.push_str(&self.text[run..self.mark.index]);
                end = self.mark;
            }
            if !(self.is_blank(0) || self.is_break(0)) {
                break;
            }
            while self.is_blank(0) || self.is_break(0) {
                if self.is_blank(0) {
                    if leading_blanks && (self.mark.column as isize) < indent && self.at(0) == b'\t'
                    {
                        return self.error("found a tab character that violates indentation");
                    }
                    if leading_blanks {
                        self.skip();
                    } else {
                        self.read(&mut whitespaces);
                    }
                } else if leading_blanks {
                    self.read_line(&mut trailing_breaks);
                } else {
                    whitespaces.clear();
                    self.read_line(&mut leading_break);
                    leading_blanks = true;
                }
            }
            if !flow && (self.mark.column as isize) < indent {
                break;
            }
        }
        self.push_token(
            TokenKind::Scalar {
                value: s,
                style: ScalarStyle::Plain,
                span: (start, end),
            },
            start,
            end,
        );
        if leading_blanks {
            self.simple_key_allowed = true;
        }
        Ok(())
    }
}
