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

    fn fetch_stream_end(&mut self) -> Result<(), ()> {
        if self.mark.column != 0 {
            self.mark.column = 0;
            self.mark.line += 1;
        }
        self.unroll_indent(-1);
        self.remove_simple_key()?;
        self.simple_key_allowed = false;
        let mut m = self.mark;
        m.index = m.index.min(self.src.len());
        self.push_token(TokenKind::StreamEnd, m, m);
        Ok(())
    }

    fn fetch_directive(&mut self) -> Result<(), ()> {
        self.unroll_indent(-1);
        self.remove_simple_key()?;
        self.simple_key_allowed = false;
        self.scan_directive()
    }

    fn fetch_document_indicator(&mut self, kind: TokenKind) -> Result<(), ()> {
        self.unroll_indent(-1);
        self.remove_simple_key()?;
        self.simple_key_allowed = false;
        let start = self.mark;
        self.skip();
        self.skip();
        self.skip();
        let end = self.mark;
        self.push_token(kind, start, end);
        Ok(())
    }

    fn fetch_flow_collection_start(&mut self, kind: TokenKind) -> Result<(), ()> {
        self.save_simple_key()?;
        self.increase_flow_level()?;
        self.simple_key_allowed = true;
        let start = self.mark;
        self.skip();
        let end = self.mark;
        self.push_token(kind, start, end);
        Ok(())
    }

    fn fetch_flow_collection_end(&mut self, kind: TokenKind) -> Result<(), ()> {
        self.remove_simple_key()?;
        self.decrease_flow_level();
        self.simple_key_allowed = false;
        let start = self.mark;
        self.skip();
        let end = self.mark;
        self.push_token(kind, start, end);
        Ok(())
    }

    fn fetch_flow_entry(&mut self) -> Result<(), ()> {
        self.remove_simple_key()?;
        self.simple_key_allowed = true;
        let start = self.mark;
        self.skip();
        let end = self.mark;
        self.push_token(TokenKind::FlowEntry, start, end);
        Ok(())
    }

    fn fetch_block_entry(&mut self) -> Result<(), ()> {
        if self.flow_level == 0 {
            if !self.simple_key_allowed {
                return self.error("block sequence entries are not allowed in this context");
            }
            let m = self.mark;
            self.roll_indent(m.column, None, TokenKind::BlockSequenceStart, m)?;
        }
        // In flow context the parser reports the `-`, with the context.
        self.remove_simple_key()?;
        self.simple_key_allowed = true;
        let start = self.mark;
        self.skip();
        let end = self.mark;
        self.push_token(TokenKind::BlockEntry, start, end);
        Ok(())
    }

    fn fetch_key(&mut self) -> Result<(), ()> {
        if self.flow_level == 0 {
            if !self.simple_key_allowed {
                return self.error("mapping keys are not allowed in this context");
            }
            let m = self.mark;
            self.roll_indent(m.column, None, TokenKind::BlockMappingStart, m)?;
        }
        self.remove_simple_key()?;
        self.simple_key_allowed = self.flow_level == 0;
        let start = self.mark;
        self.skip();
        let end = self.mark;
        self.push_token(TokenKind::Key, start, end);
        Ok(())
    }

    fn fetch_value(&mut self) -> Result<(), ()> {
        let key = self.simple_keys.last().copied().unwrap_or_default();
        if key.possible {
            // The simple key found: a KEY token goes before it, and a mapping may start there.
            let token = Token {
                kind: TokenKind::Key,
                start: key.mark,
                end: key.mark,
            };
            let at = self.queue_position(key.token_number);
            self.tokens.insert(at, token);
            self.roll_indent(
                key.mark.column,
                Some(key.token_number),
                TokenKind::BlockMappingStart,
                key.mark,
            )?;
            if let Some(last) = self.simple_keys.last_mut() {
                last.possible = false;
            }
            // A simple key cannot follow another simple key: tabs may follow this `:`.
            self.simple_key_allowed = false;
        } else {
            if self.flow_level == 0 {
                if !self.simple_key_allowed {
                    return self.error("mapping values are not allowed in this context");
                }
                let m = self.mark;
                self.roll_indent(m.column, None, TokenKind::BlockMappingStart, m)?;
            }
            self.simple_key_allowed = self.flow_level == 0;
        }
        let start = self.mark;
        self.skip();
        let end = self.mark;
        self.push_token(TokenKind::Value, start, end);
        Ok(())
    }

    fn fetch_anchor(&mut self, alias: bool) -> Result<(), ()> {
        self.save_simple_key()?;
        self.simple_key_allowed = false;
        let start = self.mark;
        self.skip();
        let mut name = String::new();
        while is_alpha(self.at(0)) {
            self.read(&mut name);
        }
        let end = self.mark;
        let ends_well = self.is_blankz(0)
            || matches!(
                self.at(0),
                b'?' | b':' | b',' | b']' | b'}' | b'%' | b'@' | b'`'
            );
        if name.is_empty() || !ends_well {
            return self.error("did not find expected alphabetic or numeric character");
        }
        let kind = if alias {
            TokenKind::Alias(name)
        } else {
            TokenKind::Anchor(name)
        };
        self.push_token(kind, start, end);
        Ok(())
    }

    fn fetch_tag(&mut self) -> Result<(), ()> {
        self.save_simple_key()?;
        self.simple_key_allowed = false;
        let start = self.mark;
        let (handle, suffix);
        if self.at(1) == b'<' {
            // Verbatim: `!<tag:yaml.org,2002:str>`.
            self.skip();
            self.skip();
            suffix = self.scan_tag_uri(false, "")?;
            if self.at(0) != b'>' {
                return self.error("did not find the expected '>'");
            }
            self.skip();
            handle = String::new();
        } else {
            let h = self.scan_tag_handle(false)?;
            if h.len() > 1 && h.starts_with('!') && h.ends_with('!') {
                handle = h;
                suffix = self.scan_tag_uri(false, "")?;
            } else {
                // Not a handle after all: `!foo` is the handle `!` and the suffix `foo`;
                // a lone `!` is the non-specific tag.
                let s = self.scan_tag_uri(false, &h)?;
                if s.is_empty() {
                    handle = String::new();
                    suffix = "!".into();
                } else {
                    handle = "!".into();
                    suffix = s;
                }
            }
        }
        if !self.is_blankz(0) {
            return self.error("did not find expected whitespace or line break");
        }
        let end = self.mark;
        self.push_token(TokenKind::Tag(handle, suffix), start, end);
        Ok(())
    }

    fn fetch_block_scalar(&mut self, literal: bool) -> Result<(), ()> {
        self.remove_simple_key()?;
        self.simple_key_allowed = true;
        self.scan_block_scalar(literal)
    }

    fn fetch_flow_scalar(&mut self, single: bool) -> Result<(), ()> {
        self.save_simple_key()?;
        self.simple_key_allowed = false;
        self.scan_flow_scalar(single)
    }

    fn fetch_plain_scalar(&mut self) -> Result<(), ()> {
        self.save_simple_key()?;
        self.simple_key_allowed = false;
        self.scan_plain_scalar()
    }

    /// Skips blanks, comments and line breaks up to the next token.
    fn scan_to_next_token(&mut self) {
        loop {
            while self.at(0) == b' '
                || ((self.flow_level > 0 || !self.simple_key_allowed) && self.at(0) == b'\t')
            {
                self.skip();
            }
            if self.at(0) == b'#' {
                while !self.is_breakz(0) {
                    self.skip();
                }
            }
            if self.is_break(0) {
                self.skip_line();
                if self.flow_level == 0 {
                    self.simple_key_allowed = true;
                }
            } else {
                break;
            }
        }
    }

    // ---- directives ----------------------------------------------------------------------

    fn skip_blanks(&mut self) {
        while self.is_blank(0) {
            self.skip();
        }
    }

    fn scan_directive(&mut self) -> Result<(), ()> {
        let start = self.mark;
        self.skip();
        let mut name = String::new();
        while is_alpha(self.at(0)) {
            self.read(&mut name);
        }
        if name.is_empty() {
            return self.error("could not find expected directive name");
        }
        if !self.is_blankz(0) {
            return self.error("found unexpected non-alphabetical character");
        }
        let kind = match name.as_str() {
            "YAML" => {
                self.skip_blanks();
                let major = self.scan_version_number()?;
                if self.at(0) != b'.' {
                    return self.error("did not find expected digit or '.' character");
                }
                self.skip();
                let minor = self.scan_version_number()?;
                TokenKind::VersionDirective(major, minor)
            }
            "TAG" => {
                self.skip_blanks();
                let handle = self.scan_tag_handle(true)?;
                if !self.is_blank(0) {
                    return self.error("did not find expected whitespace");
                }
                self.skip_blanks();
                let prefix = self.scan_tag_uri(true, "")?;
                if !self.is_blankz(0) {
                    return self.error("did not find expected whitespace or line break");
                }
                TokenKind::TagDirective(handle, prefix)
            }
            _ => return self.error("found unknown directive name"),
        };
        let end = self.mark;
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
        self.push_token(kind, start, end);
        Ok(())
    }

    fn scan_version_number(&mut self) -> Result<u8, ()> {
        let mut value = 0u8;
        let mut length = 0;
        while self.at(0).is_ascii_digit() {
            length += 1;
            if length > 2 {
                return self.error("found extremely long version number").map(|_| 0);
            }
            value = value * 10 + (self.at(0) - b'0');
            self.skip();
        }
        if length == 0 {
            return self
                .error("did not find expected version number")
                .map(|_| 0);
        }
        Ok(value)
    }

    // ---- tags ------------------------------------------------------------------------------

    fn scan_tag_handle(&mut self, directive: bool) -> Result<String, ()> {
        if self.at(0) != b'!' {
            return self
                .error("did not find expected '!'")
                .map(|_| String::new());
        }
        let mut s = String::new();
        self.read(&mut s);
        while is_alpha(self.at(0)) {
            self.read(&mut s);
        }
        if self.at(0) == b'!' {
            self.read(&mut s);
        } else if directive && s != "!" {
            return self
                .error("did not find expected '!'")
                .map(|_| String::new());
        }
        Ok(s)
    }

    /// A tag's URI part; `head` is a would-be handle already read (its `!` is dropped).
    fn scan_tag_uri(&mut self, directive: bool, head: &str) -> Result<String, ()> {
        let _ = directive;
        let mut bytes: Vec<u8> = head.get(1..).unwrap_or("").as_bytes().to_vec();
        let mut has_tag = !head.is_empty();
        loop {
            let c = self.at(0);
            let uri_char = is_alpha(c)
                || matches!(
                    c,
                    b';' | b'/'
                        | b'?'
                        | b':'
                        | b'@'
                        | b'&'
                        | b'='
                        | b'+'
                        | b'$'
                        | b','
                        | b'.'
                        | b'!'
                        | b'~'
                        | b'*'
                        | b'\''
                        | b'('
                        | b')'
                        | b'['
                        | b']'
                        | b'%'
                );
            if !uri_char {
                break;
            }
            if c == b'%' {
                self.scan_uri_escapes(&mut bytes)?;
            } else {
                bytes.push(c);
                self.skip();
            }
            has_tag = true;
        }
        if !has_tag {
            return self
                .error("did not find expected tag URI")
                .map(|_| String::new());
        }
        Ok(String::from_utf8(bytes).unwrap_or_default())
    }

    /// `%XX` escapes of one UTF-8 character.
    fn scan_uri_escapes(&mut self, out: &mut Vec<u8>) -> Result<(), ()> {
        let mut remaining = usize::MAX;
        while remaining > 0 {
            if !(self.at(0) == b'%' && is_hex(self.at(1)) && is_hex(self.at(2))) {
                return self.error("did not find URI escaped octet");
            }
            let octet = (hex_value(self.at(1)) << 4 | hex_value(self.at(2))) as u8;
            if remaining == usize::MAX {
                remaining = match octet {
                    0x00..=0x7f => 1,
                    0xc0..=0xdf => 2,
                    0xe0..=0xef => 3,
                    0xf0..=0xf7 => 4,
                    _ => return self.error("found an incorrect leading UTF-8 octet"),
                };
            } else if octet & 0xc0 != 0x80 {
                return self.error("found an incorrect trailing UTF-8 octet");
            }
            out.push(octet);
            self.skip();
            self.skip();
            self.skip();
            remaining -= 1;
        }
        Ok(())
    }

    // ---- scalars ---------------------------------------------------------------------------

    fn scan_block_scalar(&mut self, literal: bool) -> Result<(), ()> {
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
    fn block_scalar_breaks(
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

    fn scan_flow_scalar(&mut self, single: bool) -> Result<(), ()> {
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

    fn scan_plain_scalar(&mut self) -> Result<(), ()> {
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
