//! The YAML parser (tokens → events) of the general loader: libyaml's LL(1) state machine,
//! as go-yaml v2 runs it, over the tokens of [`super::scan`]. Non-recursive: nesting is held
//! in explicit stacks, and the loader stops hostile depth long before they grow large.

mod collections;

use super::scan::{Mark, ScalarStyle, ScanError, Scanner, Token, TokenKind};

#[derive(Debug)]
pub(super) enum Event {
    DocumentStart,
    DocumentEnd,
    StreamEnd,
    Alias {
        name: String,
        start: Mark,
        end: Mark,
    },
    Scalar {
        value: String,
        style: ScalarStyle,
        anchor: Option<String>,
        /// The resolved tag (`tag:yaml.org,2002:str`, `!custom`, `!` for the non-specific tag).
        tag: Option<String>,
        /// Plain and untagged, or tagged `!`: go-yaml resolves it (and `<<` merges).
        plain_implicit: bool,
        start: Mark,
        end: Mark,
    },
    /// (go-yaml v2 ignores a collection's tag.)
    SequenceStart {
        anchor: Option<String>,
        flow: bool,
        start: Mark,
    },
    SequenceEnd {
        end: Mark,
    },
    MappingStart {
        anchor: Option<String>,
        flow: bool,
        start: Mark,
    },
    MappingEnd {
        end: Mark,
    },
}

#[derive(Debug)]
pub(super) struct SyntaxError {
    pub problem: String,
    pub mark: Mark,
}

impl From<ScanError> for SyntaxError {
    fn from(e: ScanError) -> SyntaxError {
        SyntaxError {
            problem: e.problem,
            mark: e.mark,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    StreamStart,
    ImplicitDocumentStart,
    DocumentStart,
    DocumentContent,
    DocumentEnd,
    BlockNode,
    BlockSequenceFirstEntry,
    BlockSequenceEntry,
    IndentlessSequenceEntry,
    BlockMappingFirstKey,
    BlockMappingKey,
    BlockMappingValue,
    FlowSequenceFirstEntry,
    FlowSequenceEntry,
    FlowSequenceEntryMappingKey,
    FlowSequenceEntryMappingValue,
    FlowSequenceEntryMappingEnd,
    FlowMappingFirstKey,
    FlowMappingKey,
    FlowMappingValue,
    FlowMappingEmptyValue,
    End,
}

/// A token's type without its payload, to look at before consuming it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ty {
    StreamStart,
    StreamEnd,
    VersionDirective,
    TagDirective,
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
    Alias,
    Anchor,
    Tag,
    Scalar,
}

fn ty(kind: &TokenKind) -> Ty {
    match kind {
        TokenKind::StreamStart => Ty::StreamStart,
        TokenKind::StreamEnd => Ty::StreamEnd,
        TokenKind::VersionDirective(..) => Ty::VersionDirective,
        TokenKind::TagDirective(..) => Ty::TagDirective,
        TokenKind::DocumentStart => Ty::DocumentStart,
        TokenKind::DocumentEnd => Ty::DocumentEnd,
        TokenKind::BlockSequenceStart => Ty::BlockSequenceStart,
        TokenKind::BlockMappingStart => Ty::BlockMappingStart,
        TokenKind::BlockEnd => Ty::BlockEnd,
        TokenKind::FlowSequenceStart => Ty::FlowSequenceStart,
        TokenKind::FlowSequenceEnd => Ty::FlowSequenceEnd,
        TokenKind::FlowMappingStart => Ty::FlowMappingStart,
        TokenKind::FlowMappingEnd => Ty::FlowMappingEnd,
        TokenKind::BlockEntry => Ty::BlockEntry,
        TokenKind::FlowEntry => Ty::FlowEntry,
        TokenKind::Key => Ty::Key,
        TokenKind::Value => Ty::Value,
        TokenKind::Alias(_) => Ty::Alias,
        TokenKind::Anchor(_) => Ty::Anchor,
        TokenKind::Tag(..) => Ty::Tag,
        TokenKind::Scalar { .. } => Ty::Scalar,
    }
}

pub(super) struct Parser<'a> {
    scanner: Scanner<'a>,
    state: State,
    states: Vec<State>,
    tag_directives: Vec<(String, String)>,
}

type Result<T> = std::result::Result<T, SyntaxError>;

impl<'a> Parser<'a> {
    pub fn new(text: &'a str) -> Parser<'a> {
        Parser {
            scanner: Scanner::new(text),
            state: State::StreamStart,
            states: Vec::new(),
            tag_directives: Vec::new(),
        }
    }

    fn scan_error(&mut self) -> SyntaxError {
        match self.scanner.take_error() {
            Some(e) => e.into(),
            None => SyntaxError {
                problem: "unexpected end of the token stream".into(),
                mark: Mark::default(),
            },
        }
    }

    fn peek(&mut self) -> Result<(Ty, Mark, Mark)> {
        match self.scanner.peek() {
            Ok(t) => Ok((ty(&t.kind), t.start, t.end)),
            Err(()) => Err(self.scan_error()),
        }
    }

    fn take(&mut self) -> Token {
        self.scanner.skip_token().unwrap_or(Token {
            kind: TokenKind::StreamEnd,
            start: Mark::default(),
            end: Mark::default(),
        })
    }

    fn error(problem: &str, mark: Mark) -> SyntaxError {
        SyntaxError {
            problem: problem.into(),
            mark,
        }
    }

    fn pop_state(&mut self) {
        self.state = self.states.pop().unwrap_or(State::End);
    }

    /// The next event; `None` after the end of the stream.
    pub fn next_event(&mut self) -> Result<Option<Event>> {
        let event = match self.state {
            State::End => return Ok(None),
            State::StreamStart => {
                let (t, start, _) = self.peek()?;
                if t != Ty::StreamStart {
                    return Err(Self::error("did not find expected <stream-start>", start));
                }
                self.take();
                self.state = State::ImplicitDocumentStart;
                return self.next_event();
            }
            State::ImplicitDocumentStart => self.document_start(true)?,
            State::DocumentStart => self.document_start(false)?,
            State::DocumentContent => {
                let (t, start, _) = self.peek()?;
                if matches!(
                    t,
                    Ty::VersionDirective
                        | Ty::TagDirective
                        | Ty::DocumentStart
                        | Ty::DocumentEnd
                        | Ty::StreamEnd
                ) {
                    self.pop_state();
                    empty_scalar(start)
                } else {
                    self.node(true, false)?
                }
            }
            State::DocumentEnd => {
                let (t, _, _) = self.peek()?;
                if t == Ty::DocumentEnd {
                    self.take();
                }
                self.tag_directives.clear();
                self.state = State::DocumentStart;
                Event::DocumentEnd
            }
            State::BlockNode => self.node(true, false)?,
            State::BlockSequenceFirstEntry => self.block_sequence_entry(true)?,
            State::BlockSequenceEntry => self.block_sequence_entry(false)?,
            State::IndentlessSequenceEntry => self.indentless_sequence_entry()?,
            State::BlockMappingFirstKey => self.block_mapping_key(true)?,
            State::BlockMappingKey => self.block_mapping_key(false)?,
            State::BlockMappingValue => self.block_mapping_value()?,
            State::FlowSequenceFirstEntry => self.flow_sequence_entry(true)?,
            State::FlowSequenceEntry => self.flow_sequence_entry(false)?,
            State::FlowSequenceEntryMappingKey => {
                let (t, start, end) = self.peek()?;
                if !matches!(t, Ty::Value | Ty::FlowEntry | Ty::FlowSequenceEnd) {
                    self.states.push(State::FlowSequenceEntryMappingValue);
                    self.node(false, false)?
                } else {
                    let _ = start;
                    self.take();
                    self.state = State::FlowSequenceEntryMappingValue;
                    empty_scalar(end)
                }
            }
            State::FlowSequenceEntryMappingValue => {
                let (mut t, mut start, _) = self.peek()?;
                if t == Ty::Value {
                    self.take();
                    (t, start, _) = self.peek()?;
                    if !matches!(t, Ty::FlowEntry | Ty::FlowSequenceEnd) {
                        self.states.push(State::FlowSequenceEntryMappingEnd);
                        return self.node(false, false).map(Some);
                    }
                }
                self.state = State::FlowSequenceEntryMappingEnd;
                empty_scalar(start)
            }
            State::FlowSequenceEntryMappingEnd => {
                let (_, start, _) = self.peek()?;
                self.state = State::FlowSequenceEntry;
                Event::MappingEnd { end: start }
            }
            State::FlowMappingFirstKey => self.flow_mapping_key(true)?,
            State::FlowMappingKey => self.flow_mapping_key(false)?,
            State::FlowMappingValue => self.flow_mapping_value(false)?,
            State::FlowMappingEmptyValue => self.flow_mapping_value(true)?,
        };
        Ok(Some(event))
    }

    fn document_start(&mut self, implicit: bool) -> Result<Event> {
        let (mut t, _, _) = self.peek()?;
        if !implicit {
            while t == Ty::DocumentEnd {
                self.take();
                (t, _, _) = self.peek()?;
            }
        }
        if implicit
            && !matches!(
                t,
                Ty::VersionDirective | Ty::TagDirective | Ty::DocumentStart | Ty::StreamEnd
            )
        {
            self.process_directives()?;
            self.states.push(State::DocumentEnd);
            self.state = State::BlockNode;
            Ok(Event::DocumentStart)
        } else if t != Ty::StreamEnd {
            self.process_directives()?;
            let (t, start, _) = self.peek()?;
            if t != Ty::DocumentStart {
                return Err(Self::error("did not find expected <document start>", start));
            }
            self.states.push(State::DocumentEnd);
            self.state = State::DocumentContent;
            self.take();
            Ok(Event::DocumentStart)
        } else {
            self.state = State::End;
            self.take();
            Ok(Event::StreamEnd)
        }
    }

    fn process_directives(&mut self) -> Result<()> {
        let mut version_seen = false;
        loop {
            let (t, start, _) = self.peek()?;
            match t {
                Ty::VersionDirective => {
                    let token = self.take();
                    if version_seen {
                        return Err(Self::error("found duplicate %YAML directive", start));
                    }
                    if token.kind != TokenKind::VersionDirective(1, 1) {
                        return Err(Self::error("found incompatible YAML document", start));
                    }
                    version_seen = true;
                }
                Ty::TagDirective => {
                    let TokenKind::TagDirective(handle, prefix) = self.take().kind else {
                        unreachable!("peeked a tag directive");
                    };
                    if self.tag_directives.iter().any(|(h, _)| *h == handle) {
                        return Err(Self::error("found duplicate %TAG directive", start));
                    }
                    self.tag_directives.push((handle, prefix));
                }
                _ => break,
            }
        }
        for (handle, prefix) in [("!", "!"), ("!!", "tag:yaml.org,2002:")] {
            if !self.tag_directives.iter().any(|(h, _)| h == handle) {
                self.tag_directives.push((handle.into(), prefix.into()));
            }
        }
        Ok(())
    }

    /// A node: an alias, or properties (anchor, tag) and content.
    fn node(&mut self, block: bool, indentless_sequence: bool) -> Result<Event> {
        let (mut t, mut start, mut end) = self.peek()?;
        if t == Ty::Alias {
            self.pop_state();
            let token = self.take();
            let TokenKind::Alias(name) = token.kind else {
                unreachable!("peeked an alias");
            };
            return Ok(Event::Alias {
                name,
                start: token.start,
                end: token.end,
            });
        }
        let node_start = start;
        let mut anchor = None;
        let mut tag_parts = None;
        let mut tag_mark = start;
        for _ in 0..2 {
            match t {
                Ty::Anchor if anchor.is_none() => {
                    let token = self.take();
                    if let TokenKind::Anchor(name) = token.kind {
                        anchor = Some(name);
                    }
                    end = token.end;
                }
                Ty::Tag if tag_parts.is_none() => {
                    let token = self.take();
                    tag_mark = token.start;
                    if let TokenKind::Tag(handle, suffix) = token.kind {
                        tag_parts = Some((handle, suffix));
                    }
                    end = token.end;
                }
                _ => break,
            }
            (t, start, _) = self.peek()?;
        }
        let tag = match tag_parts {
            None => None,
            Some((handle, suffix)) if handle.is_empty() => Some(suffix),
            Some((handle, suffix)) => {
                match self.tag_directives.iter().find(|(h, _)| *h == handle) {
                    Some((_, prefix)) => Some(format!("{prefix}{suffix}")),
                    None => {
                        return Err(Self::error("found undefined tag handle", tag_mark));
                    }
                }
            }
        };
        let implicit = tag.as_deref().is_none_or(str::is_empty);
        if indentless_sequence && t == Ty::BlockEntry {
            self.state = State::IndentlessSequenceEntry;
            return Ok(Event::SequenceStart {
                anchor,
                flow: false,
                start,
            });
        }
        match t {
            Ty::Scalar => {
                self.pop_state();
                let token = self.take();
                let TokenKind::Scalar { value, style, span } = token.kind else {
                    unreachable!("peeked a scalar");
                };
                let plain_implicit =
                    (implicit && style == ScalarStyle::Plain) || tag.as_deref() == Some("!");
                Ok(Event::Scalar {
                    value,
                    style,
                    anchor,
                    tag,
                    plain_implicit,
                    start: span.0,
                    end: span.1,
                })
            }
            Ty::FlowSequenceStart | Ty::FlowMappingStart => {
                self.state = if t == Ty::FlowSequenceStart {
                    State::FlowSequenceFirstEntry
                } else {
                    State::FlowMappingFirstKey
                };
                if t == Ty::FlowSequenceStart {
                    Ok(Event::SequenceStart {
                        anchor,
                        flow: true,
                        start,
                    })
                } else {
                    Ok(Event::MappingStart {
                        anchor,
                        flow: true,
                        start,
                    })
                }
            }
            Ty::BlockSequenceStart if block => {
                self.state = State::BlockSequenceFirstEntry;
                Ok(Event::SequenceStart {
                    anchor,
                    flow: false,
                    start,
                })
            }
            Ty::BlockMappingStart if block => {
                self.state = State::BlockMappingFirstKey;
                Ok(Event::MappingStart {
                    anchor,
                    flow: false,
                    start,
                })
            }
            _ if anchor.is_some() || tag.is_some() => {
                // Properties without content: an empty scalar, at the properties.
                self.pop_state();
                Ok(Event::Scalar {
                    value: String::new(),
                    style: ScalarStyle::Plain,
                    anchor,
                    tag,
                    plain_implicit: implicit,
                    start: end,
                    end,
                })
            }
            _ => {
                let _ = node_start;
                Err(Self::error("did not find expected node content", start))
            }
        }
    }
}

fn empty_scalar(mark: Mark) -> Event {
    Event::Scalar {
        value: String::new(),
        style: ScalarStyle::Plain,
        anchor: None,
        tag: None,
        plain_implicit: true,
        start: mark,
        end: mark,
    }
}
