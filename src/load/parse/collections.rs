//! The parser states inside collections: block and indentless sequences, block mappings, flow
//! sequences and flow mappings.

use super::*;

impl Parser<'_> {
    pub(super) fn block_sequence_entry(&mut self, first: bool) -> Result<Event> {
        if first {
            self.take();
        }
        let (t, start, _) = self.peek()?;
        match t {
            Ty::BlockEntry => {
                let mark = self.take().end;
                let (t, _, _) = self.peek()?;
                if !matches!(t, Ty::BlockEntry | Ty::BlockEnd) {
                    self.states.push(State::BlockSequenceEntry);
                    return self.node(true, false);
                }
                self.state = State::BlockSequenceEntry;
                Ok(empty_scalar(mark))
            }
            Ty::BlockEnd => {
                self.pop_state();
                let token = self.take();
                Ok(Event::SequenceEnd { end: token.start })
            }
            _ => Err(Self::error("did not find expected '-' indicator", start)),
        }
    }

    pub(super) fn indentless_sequence_entry(&mut self) -> Result<Event> {
        let (t, start, _) = self.peek()?;
        if t == Ty::BlockEntry {
            let mark = self.take().end;
            let (t, _, _) = self.peek()?;
            if !matches!(t, Ty::BlockEntry | Ty::Key | Ty::Value | Ty::BlockEnd) {
                self.states.push(State::IndentlessSequenceEntry);
                return self.node(true, false);
            }
            self.state = State::IndentlessSequenceEntry;
            return Ok(empty_scalar(mark));
        }
        self.pop_state();
        Ok(Event::SequenceEnd { end: start })
    }

    pub(super) fn block_mapping_key(&mut self, first: bool) -> Result<Event> {
        if first {
            self.take();
        }
        let (t, start, _) = self.peek()?;
        match t {
            Ty::Key => {
                let mark = self.take().end;
                let (t, _, _) = self.peek()?;
                if !matches!(t, Ty::Key | Ty::Value | Ty::BlockEnd) {
                    self.states.push(State::BlockMappingValue);
                    return self.node(true, true);
                }
                self.state = State::BlockMappingValue;
                Ok(empty_scalar(mark))
            }
            Ty::BlockEnd => {
                self.pop_state();
                let token = self.take();
                Ok(Event::MappingEnd { end: token.start })
            }
            _ => Err(Self::error("did not find expected key", start)),
        }
    }

    pub(super) fn block_mapping_value(&mut self) -> Result<Event> {
        let (t, start, _) = self.peek()?;
        if t == Ty::Value {
            // An empty value sits at its `:` (go-yaml puts it just after).
            let colon = self.take().start;
            let (t, _, _) = self.peek()?;
            if !matches!(t, Ty::Key | Ty::Value | Ty::BlockEnd) {
                self.states.push(State::BlockMappingKey);
                return self.node(true, true);
            }
            self.state = State::BlockMappingKey;
            return Ok(empty_scalar(colon));
        }
        self.state = State::BlockMappingKey;
        Ok(empty_scalar(start))
    }

    pub(super) fn flow_sequence_entry(&mut self, first: bool) -> Result<Event> {
        if first {
            self.take();
        }
        let (mut t, mut start, mut end) = self.peek()?;
        if t != Ty::FlowSequenceEnd {
            if !first {
                if t == Ty::FlowEntry {
                    self.take();
                    (t, start, end) = self.peek()?;
                } else {
                    return Err(Self::error("did not find expected ',' or ']'", start));
                }
            }
            if t == Ty::Key {
                self.state = State::FlowSequenceEntryMappingKey;
                self.take();
                let _ = end;
                return Ok(Event::MappingStart {
                    anchor: None,
                    flow: true,
                    start,
                });
            } else if t != Ty::FlowSequenceEnd {
                self.states.push(State::FlowSequenceEntry);
                return self.node(false, false);
            }
        }
        self.pop_state();
        let token = self.take();
        Ok(Event::SequenceEnd { end: token.end })
    }

    pub(super) fn flow_mapping_key(&mut self, first: bool) -> Result<Event> {
        if first {
            self.take();
        }
        let (mut t, start, _) = self.peek()?;
        if t != Ty::FlowMappingEnd {
            if !first {
                if t == Ty::FlowEntry {
                    self.take();
                    (t, _, _) = self.peek()?;
                } else {
                    return Err(Self::error("did not find expected ',' or '}'", start));
                }
            }
            if t == Ty::Key {
                self.take();
                let (t, start, _) = self.peek()?;
                if !matches!(t, Ty::Value | Ty::FlowEntry | Ty::FlowMappingEnd) {
                    self.states.push(State::FlowMappingValue);
                    return self.node(false, false);
                }
                self.state = State::FlowMappingValue;
                return Ok(empty_scalar(start));
            } else if t != Ty::FlowMappingEnd {
                self.states.push(State::FlowMappingEmptyValue);
                return self.node(false, false);
            }
        }
        self.pop_state();
        let token = self.take();
        Ok(Event::MappingEnd { end: token.end })
    }

    pub(super) fn flow_mapping_value(&mut self, empty: bool) -> Result<Event> {
        let (t, start, _) = self.peek()?;
        if empty {
            self.state = State::FlowMappingKey;
            return Ok(empty_scalar(start));
        }
        if t == Ty::Value {
            self.take();
            let (t, start, _) = self.peek()?;
            if !matches!(t, Ty::FlowEntry | Ty::FlowMappingEnd) {
                self.states.push(State::FlowMappingKey);
                return self.node(false, false);
            }
            self.state = State::FlowMappingKey;
            return Ok(empty_scalar(start));
        }
        self.state = State::FlowMappingKey;
        Ok(empty_scalar(start))
    }
}
