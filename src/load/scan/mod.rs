//! The YAML scanner (text → tokens) of the general loader, with the grammar of go-yaml v2: the
//! libyaml port that kubectl decodes manifests with (sigs.k8s.io/yaml). It accepts exactly what
//! that scanner accepts and rejects what it rejects, which is not what a YAML 1.2 parser does:
//!
//! - indentation is not checked inside flow collections and quoted scalars (a `]` may sit at the
//!   key's column, or at column 0);
//! - `#` starts a comment wherever a token may start, even without a space before it (`"x"#c`);
//! - tabs separate tokens in flow context and after a simple key's `:`, but not at the start of
//!   a line in block context, nor after `-`, `?` or a complex key's `:`;
//! - double-quoted escapes are YAML 1.1's plus `\'` (no `\/`);
//! - anchor and alias names are `[0-9A-Za-z_-]+`, ended by a blank or one of `?:,]}%@` and a
//!   backtick (`&a:b` is the anchor `a` before the plain scalar `:b`);
//! - in flow context a plain scalar ends at `,?[]{}` and at `:` before a blank, and `?` or `:`
//!   starting a token are indicators (`[?a]` is a one-pair mapping);
//! - NEL, LS and PS are line breaks; a BOM is skipped at the start of the stream only;
//! - simple keys span one line and at most 1024 characters.
//!
//! The tokens, the simple-key bookkeeping and the error messages follow libyaml's design (see
//! go-yaml's `scannerc.go`): `tests/goyaml_differential.rs` checks the result against kubectl
//! on several hundred cases.

mod directives;
mod fetch;
mod scalars;

use std::collections::VecDeque;

/// A position in the chunk being scanned.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Mark {
    /// Byte offset in the chunk.
    pub index: usize,
    /// Characters before it: libyaml limits simple keys to 1024 characters.
    pub chars: usize,
    pub line: usize,
    /// Column in characters.
    pub column: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

#[derive(Clone, Debug, PartialEq)]
pub(super) enum TokenKind {
    StreamStart,
    StreamEnd,
    VersionDirective(u8, u8),
    TagDirective(String, String),
    DocumentStart,
    DocumentEnd,
    BlockSequenceStart,
    BlockMappingStart,
    BlockEnd,
    FlowSequenceStart,
    FlowSequenceEnd,
    FlowMappingStart,
    FlowMappingEnd,
    BlockEntry,
    FlowEntry,
    Key,
    Value,
    Alias(String),
    Anchor(String),
    /// Handle and suffix (`!!` and `str`; `` and `!` for the non-specific tag).
    Tag(String, String),
    Scalar {
        value: String,
        style: ScalarStyle,
        /// For block scalars: where the content starts and where the scalar stops (the
        /// first character of the line that ends it, or the end of the chunk), which is the
        /// node's span; for the others, the token's own marks.
        span: (Mark, Mark),
    },
}

#[derive(Clone, Debug)]
pub(super) struct Token {
    pub kind: TokenKind,
    pub start: Mark,
    pub end: Mark,
}

#[derive(Clone, Debug)]
pub(super) struct ScanError {
    pub problem: String,
    pub mark: Mark,
}

#[derive(Clone, Copy, Default)]
struct SimpleKey {
    possible: bool,
    required: bool,
    token_number: usize,
    mark: Mark,
}

/// go-yaml's limits on flow nesting and indentation levels (kubevet's own depth limit is far
/// lower and applies first).
const MAX_LEVELS: usize = 10_000;

pub(super) struct Scanner<'a> {
    text: &'a str,
    src: &'a [u8],
    /// kubectl's line reader ends every document with a line break: when the chunk has none,
    /// one is read after its last byte.
    final_break: bool,
    mark: Mark,
    tokens: VecDeque<Token>,
    tokens_parsed: usize,
    token_available: bool,
    stream_start_produced: bool,
    stream_end_produced: bool,
    indent: isize,
    indents: Vec<isize>,
    simple_key_allowed: bool,
    simple_keys: Vec<SimpleKey>,
    flow_level: usize,
    error: Option<ScanError>,
}

fn is_alpha(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

fn is_hex(b: u8) -> bool {
    b.is_ascii_hexdigit()
}

fn hex_value(b: u8) -> u32 {
    (b as char).to_digit(16).unwrap_or(0)
}

/// The width in bytes of the UTF-8 character starting with `b`.
fn width(b: u8) -> usize {
    match b {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
}

impl<'a> Scanner<'a> {
    /// A scanner over `text`, which holds no control characters (the loader rejects those
    /// first, as go-yaml's reader does): a NUL byte below stands for the end.
    pub fn new(text: &'a str) -> Scanner<'a> {
        let src = text.as_bytes();
        let mut mark = Mark::default();
        // The reader drops a byte order mark at the start of the stream.
        if src.starts_with(b"\xef\xbb\xbf") {
            mark.index = 3;
        }
        Scanner {
            text,
            src,
            final_break: !src.ends_with(b"\n"),
            mark,
            tokens: VecDeque::new(),
            tokens_parsed: 0,
            token_available: false,
            stream_start_produced: false,
            stream_end_produced: false,
            indent: -1,
            indents: Vec::new(),
            simple_key_allowed: false,
            simple_keys: Vec::new(),
            flow_level: 0,
            error: None,
        }
    }

    // ---- characters -----------------------------------------------------------------------

    /// The byte `k` bytes ahead; `\n` just past the end when the chunk has no final line
    /// break, then 0.
    fn at(&self, k: usize) -> u8 {
        let i = self.mark.index + k;
        match self.src.get(i) {
            Some(&b) => b,
            None if i == self.src.len() && self.final_break => b'\n',
            None => 0,
        }
    }

    fn is_z(&self, k: usize) -> bool {
        self.at(k) == 0
    }

    fn is_blank(&self, k: usize) -> bool {
        matches!(self.at(k), b' ' | b'\t')
    }

    fn is_break(&self, k: usize) -> bool {
        match self.at(k) {
            b'\r' | b'\n' => true,
            0xc2 => self.at(k + 1) == 0x85,
            0xe2 => self.at(k + 1) == 0x80 && matches!(self.at(k + 2), 0xa8 | 0xa9),
            _ => false,
        }
    }

    fn is_breakz(&self, k: usize) -> bool {
        self.is_break(k) || self.is_z(k)
    }

    fn is_blankz(&self, k: usize) -> bool {
        self.is_blank(k) || self.is_breakz(k)
    }

    fn skip(&mut self) {
        self.mark.index += width(self.at(0));
        self.mark.chars += 1;
        self.mark.column += 1;
    }

    fn skip_line(&mut self) {
        if self.at(0) == b'\r' && self.at(1) == b'\n' {
            self.mark.index += 2;
            self.mark.chars += 2;
        } else if self.is_break(0) {
            self.mark.index += width(self.at(0));
            self.mark.chars += 1;
        } else {
            return;
        }
        self.mark.column = 0;
        self.mark.line += 1;
    }

    /// Appends the current character to `s` and moves past it.
    fn read(&mut self, s: &mut String) {
        let i = self.mark.index;
        match self.src.get(i) {
            Some(_) => {
                let w = width(self.src[i]).min(self.src.len() - i);
                s.push_str(self.text.get(i..i + w).unwrap_or("\u{fffd}"));
            }
            None => s.push('\n'),
        }
        self.skip();
    }

    /// Appends the current line break to `s` as libyaml normalises it (CR LF, CR, LF and NEL
    /// become LF; LS and PS are kept) and moves past it.
    fn read_line(&mut self, s: &mut String) {
        match self.at(0) {
            b'\r' if self.at(1) == b'\n' => {
                s.push('\n');
                self.mark.index += 2;
                self.mark.chars += 1;
            }
            b'\r' | b'\n' => {
                s.push('\n');
                self.mark.index += 1;
            }
            0xc2 if self.at(1) == 0x85 => {
                s.push('\n');
                self.mark.index += 2;
            }
            0xe2 if self.is_break(0) => {
                s.push(if self.at(2) == 0xa8 {
                    '\u{2028}'
                } else {
                    '\u{2029}'
                });
                self.mark.index += 3;
            }
            _ => return,
        }
        self.mark.chars += 1;
        self.mark.column = 0;
        self.mark.line += 1;
    }

    fn error(&mut self, problem: impl Into<String>) -> Result<(), ()> {
        self.error = Some(ScanError {
            problem: problem.into(),
            mark: self.mark,
        });
        Err(())
    }

    // ---- the token queue --------------------------------------------------------------------

    /// The next token, without consuming it. `Err`: a syntax error (see [`Scanner::take_error`]).
    pub fn peek(&mut self) -> Result<&Token, ()> {
        if self.error.is_some() {
            return Err(());
        }
        if !self.token_available {
            self.fetch_more_tokens()?;
        }
        self.tokens.front().ok_or(())
    }

    /// Consumes the token [`Scanner::peek`] returned.
    pub fn skip_token(&mut self) -> Option<Token> {
        self.token_available = false;
        self.tokens_parsed += 1;
        let token = self.tokens.pop_front()?;
        if matches!(token.kind, TokenKind::StreamEnd) {
            self.stream_end_produced = true;
        }
        Some(token)
    }

    pub fn take_error(&mut self) -> Option<ScanError> {
        self.error.take()
    }

    fn fetch_more_tokens(&mut self) -> Result<(), ()> {
        if self.stream_end_produced {
            return Err(());
        }
        loop {
            let need_more = if self.tokens.is_empty() {
                true
            } else {
                self.stale_simple_keys()?;
                let head = self.tokens_parsed;
                self.simple_keys
                    .iter()
                    .any(|k| k.possible && k.token_number == head)
            };
            if !need_more {
                break;
            }
            self.fetch_next_token()?;
        }
        self.token_available = true;
        Ok(())
    }

    /// Where token number `n` is in the queue (a possible simple key's token is never consumed
    /// before the key is decided, so it is there).
    fn queue_position(&self, n: usize) -> usize {
        n.saturating_sub(self.tokens_parsed).min(self.tokens.len())
    }

    fn push_token(&mut self, kind: TokenKind, start: Mark, end: Mark) {
        self.tokens.push_back(Token { kind, start, end });
    }

    fn fetch_next_token(&mut self) -> Result<(), ()> {
        if !self.stream_start_produced {
            self.indent = -1;
            self.simple_keys.push(SimpleKey::default());
            self.simple_key_allowed = true;
            self.stream_start_produced = true;
            let m = self.mark;
            self.push_token(TokenKind::StreamStart, m, m);
            return Ok(());
        }
        self.scan_to_next_token();
        self.stale_simple_keys()?;
        self.unroll_indent(self.mark.column as isize);

        if self.is_z(0) {
            return self.fetch_stream_end();
        }
        let c = self.at(0);
        if self.mark.column == 0 {
            if c == b'%' {
                return self.fetch_directive();
            }
            if c == b'-' && self.at(1) == b'-' && self.at(2) == b'-' && self.is_blankz(3) {
                return self.fetch_document_indicator(TokenKind::DocumentStart);
            }
            if c == b'.' && self.at(1) == b'.' && self.at(2) == b'.' && self.is_blankz(3) {
                return self.fetch_document_indicator(TokenKind::DocumentEnd);
            }
        }
        match c {
            b'[' => return self.fetch_flow_collection_start(TokenKind::FlowSequenceStart),
            b'{' => return self.fetch_flow_collection_start(TokenKind::FlowMappingStart),
            b']' => return self.fetch_flow_collection_end(TokenKind::FlowSequenceEnd),
            b'}' => return self.fetch_flow_collection_end(TokenKind::FlowMappingEnd),
            b',' => return self.fetch_flow_entry(),
            _ => {}
        }
        let flow = self.flow_level > 0;
        if c == b'-' && self.is_blankz(1) {
            return self.fetch_block_entry();
        }
        if c == b'?' && (flow || self.is_blankz(1)) {
            return self.fetch_key();
        }
        if c == b':' && (flow || self.is_blankz(1)) {
            return self.fetch_value();
        }
        match c {
            b'*' => return self.fetch_anchor(true),
            b'&' => return self.fetch_anchor(false),
            b'!' => return self.fetch_tag(),
            b'|' if !flow => return self.fetch_block_scalar(true),
            b'>' if !flow => return self.fetch_block_scalar(false),
            b'\'' => return self.fetch_flow_scalar(true),
            b'"' => return self.fetch_flow_scalar(false),
            _ => {}
        }
        let indicator = matches!(
            c,
            b'-' | b'?'
                | b':'
                | b','
                | b'['
                | b']'
                | b'{'
                | b'}'
                | b'#'
                | b'&'
                | b'*'
                | b'!'
                | b'|'
                | b'>'
                | b'\''
                | b'"'
                | b'%'
                | b'@'
                | b'`'
        );
        if !(self.is_blankz(0) || indicator)
            || (c == b'-' && !self.is_blank(1))
            || (!flow && (c == b'?' || c == b':') && !self.is_blankz(1))
        {
            return self.fetch_plain_scalar();
        }
        self.error("found character that cannot start any token")
    }

    /// Drops the potential simple keys that can no longer be keys (a simple key is one line
    /// and at most 1024 characters); a required one is an error.
    fn stale_simple_keys(&mut self) -> Result<(), ()> {
        let mark = self.mark;
        let mut required = false;
        for key in &mut self.simple_keys {
            if key.possible && (key.mark.line < mark.line || key.mark.chars + 1024 < mark.chars) {
                if key.required {
                    required = true;
                    break;
                }
                key.possible = false;
            }
        }
        if required {
            return self.error("could not find expected ':'");
        }
        Ok(())
    }

    fn save_simple_key(&mut self) -> Result<(), ()> {
        let required = self.flow_level == 0 && self.indent == self.mark.column as isize;
        if self.simple_key_allowed {
            let key = SimpleKey {
                possible: true,
                required,
                token_number: self.tokens_parsed + self.tokens.len(),
                mark: self.mark,
            };
            self.remove_simple_key()?;
            if let Some(last) = self.simple_keys.last_mut() {
                *last = key;
            }
        }
        Ok(())
    }

    fn remove_simple_key(&mut self) -> Result<(), ()> {
        if let Some(key) = self.simple_keys.last_mut()
            && key.possible
        {
            if key.required {
                let mark = key.mark;
                self.error = Some(ScanError {
                    problem: "could not find expected ':'".into(),
                    mark,
                });
                return Err(());
            }
            key.possible = false;
        }
        Ok(())
    }

    fn increase_flow_level(&mut self) -> Result<(), ()> {
        self.simple_keys.push(SimpleKey::default());
        self.flow_level += 1;
        if self.flow_level > MAX_LEVELS {
            return self.error(format!("exceeded max depth of {MAX_LEVELS}"));
        }
        Ok(())
    }

    fn decrease_flow_level(&mut self) {
        if self.flow_level > 0 {
            self.flow_level -= 1;
            self.simple_keys.pop();
        }
    }

    /// In block context, opens a collection at `column` when it is deeper than the current
    /// indentation: the start token goes at the end of the queue, or at the position of token
    /// `number` (a simple key found after the fact).
    fn roll_indent(
        &mut self,
        column: usize,
        number: Option<usize>,
        kind: TokenKind,
        mark: Mark,
    ) -> Result<(), ()> {
        if self.flow_level > 0 {
            return Ok(());
        }
        if self.indent < column as isize {
            self.indents.push(self.indent);
            self.indent = column as isize;
            if self.indents.len() > MAX_LEVELS {
                return self.error(format!("exceeded max depth of {MAX_LEVELS}"));
            }
            let token = Token {
                kind,
                start: mark,
                end: mark,
            };
            match number {
                Some(n) => self.tokens.insert(self.queue_position(n), token),
                None => self.tokens.push_back(token),
            }
        }
        Ok(())
    }

    /// Closes the block collections deeper than `column`.
    fn unroll_indent(&mut self, column: isize) {
        if self.flow_level > 0 {
            return;
        }
        while self.indent > column {
            let m = self.mark;
            self.push_token(TokenKind::BlockEnd, m, m);
            self.indent = self.indents.pop().unwrap_or(-1);
        }
    }
}
