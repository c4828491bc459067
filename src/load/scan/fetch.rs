//! Fetching the next token: indentation, simple keys, flow and block indicators, as go-yaml v2
//! does.

use super::*;

impl Scanner<'_> {
    pub(super) fn fetch_stream_end(&mut self) -> Result<(), ()> {
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

    pub(super) fn fetch_directive(&mut self) -> Result<(), ()> {
        self.unroll_indent(-1);
        self.remove_simple_key()?;
        self.simple_key_allowed = false;
        self.scan_directive()
    }

    pub(super) fn fetch_document_indicator(&mut self, kind: TokenKind) -> Result<(), ()> {
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

    pub(super) fn fetch_flow_collection_start(&mut self, kind: TokenKind) -> Result<(), ()> {
        self.save_simple_key()?;
        self.increase_flow_level()?;
        self.simple_key_allowed = true;
        let start = self.mark;
        self.skip();
        let end = self.mark;
        self.push_token(kind, start, end);
        Ok(())
    }

    pub(super) fn fetch_flow_collection_end(&mut self, kind: TokenKind) -> Result<(), ()> {
        self.remove_simple_key()?;
        self.decrease_flow_level();
        self.simple_key_allowed = false;
        let start = self.mark;
        self.skip();
        let end = self.mark;
        self.push_token(kind, start, end);
        Ok(())
    }

    pub(super) fn fetch_flow_entry(&mut self) -> Result<(), ()> {
        self.remove_simple_key()?;
        self.simple_key_allowed = true;
        let start = self.mark;
        self.skip();
        let end = self.mark;
        self.push_token(TokenKind::FlowEntry, start, end);
        Ok(())
    }

    pub(super) fn fetch_block_entry(&mut self) -> Result<(), ()> {
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

    pub(super) fn fetch_key(&mut self) -> Result<(), ()> {
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

    pub(super) fn fetch_value(&mut self) -> Result<(), ()> {
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

    pub(super) fn fetch_anchor(&mut self, alias: bool) -> Result<(), ()> {
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

    pub(super) fn fetch_tag(&mut self) -> Result<(), ()> {
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

    pub(super) fn fetch_block_scalar(&mut self, literal: bool) -> Result<(), ()> {
        self.remove_simple_key()?;
        self.simple_key_allowed = true;
        self.scan_block_scalar(literal)
    }

    pub(super) fn fetch_flow_scalar(&mut self, single: bool) -> Result<(), ()> {
        self.save_simple_key()?;
        self.simple_key_allowed = false;
        self.scan_flow_scalar(single)
    }

    pub(super) fn fetch_plain_scalar(&mut self) -> Result<(), ()> {
        self.save_simple_key()?;
        self.simple_key_allowed = false;
        self.scan_plain_scalar()
    }
}
