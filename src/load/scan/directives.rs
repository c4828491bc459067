//! White space and comments between tokens, `%YAML`/`%TAG` directives, anchors and tags.

use super::*;

impl Scanner<'_> {
    /// Skips blanks, comments and line breaks up to the next token.
    pub(super) fn scan_to_next_token(&mut self) {
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

    pub(super) fn skip_blanks(&mut self) {
        while self.is_blank(0) {
            self.skip();
        }
    }

    pub(super) fn scan_directive(&mut self) -> Result<(), ()> {
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

    pub(super) fn scan_version_number(&mut self) -> Result<u8, ()> {
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

    pub(super) fn scan_tag_handle(&mut self, directive: bool) -> Result<String, ()> {
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
    pub(super) fn scan_tag_uri(&mut self, directive: bool, head: &str) -> Result<String, ()> {
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
    pub(super) fn scan_uri_escapes(&mut self, out: &mut Vec<u8>) -> Result<(), ()> {
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
}
