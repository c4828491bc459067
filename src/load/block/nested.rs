//! The fast path's nested values: flow collections, block scalars and block sequences.

use super::*;

impl Parser<'_> {
    /// A flow collection or scalar inside a flow collection, starting at `i` and ending on
    /// the same line: `[a, "b", 3]`, `{name: app, ports: [{containerPort: 80}]}`. Returns the
    /// node and the index after it.
    pub(super) fn flow_node(
        &mut self,
        i: usize,
        line_end: usize,
        depth: usize,
    ) -> Option<(Node, usize)> {
        if depth + 2 >= self.limits.max_depth {
            return None;
        }
        self.count_node()?;
        match self.byte(i).filter(|_| i < line_end)? {
            open @ (b'[' | b'{') => {
                let close = if open == b'[' { b']' } else { b'}' };
                let mut items = Vec::new();
                let mut entries: Vec<Entry> = Vec::new();
                let mut j = self.skip_spaces(i + 1, line_end);
                if self.byte(j) == Some(close) {
                    j += 1;
                } else {
                    loop {
                        if open == b'[' {
                            let (item, end) = self.flow_node(j, line_end, depth + 1)?;
                            items.push(item);
                            j = end;
                        } else {
                            let (key, end) = self.flow_node(j, line_end, depth + 1)?;
                            let key_text = key.as_str()?;
                            // `{a}` and `{a:b}` (no value) go the long way, as do `<<` and
                            // duplicates.
                            if self.byte(end) != Some(b':')
                                || !matches!(self.byte(end + 1), Some(b' '))
                                || (key.style == Style::Plain && key_text == "<<")
                                || entries.iter().any(|e| e.key.as_str() == Some(key_text))
                            {
                                return None;
                            }
                            let value_at = self.skip_spaces(end + 1, line_end);
                            let (value, end) = self.flow_node(value_at, line_end, depth + 1)?;
                            entries.push(Entry { key, value });
                            j = end;
                        }
                        j = self.skip_spaces(j, line_end);
                        match self.byte(j).filter(|_| j < line_end)? {
                            b',' => {
                                j = self.skip_spaces(j + 1, line_end);
                                // A trailing comma (`[a, ]`) goes the long way.
                                if self.byte(j) == Some(close) {
                                    return None;
                                }
                            }
                            b if b == close => {
                                j += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
                let value = if open == b'[' {
                    Value::Seq(items)
                } else {
                    Value::Map(entries)
                };
                Some((Node::new(value, self.span(i, j), Style::Flow), j))
            }
            b'"' | b'\'' => self.quoted(i, line_end),
            // In flow context `?` and `:` starting a token are indicators.
            first if first != b'?' && first != b':' && self.may_start_plain(i, first) => {
                let bytes = &self.src[i..line_end];
                let mut len = bytes.len();
                for (k, &b) in bytes.iter().enumerate() {
                    match b {
                        b',' | b'[' | b']' | b'{' | b'}' => {
                            len = k;
                            break;
                        }
                        // go-yaml ends a flow plain scalar at `:` before a blank only (`{a:b}`
                        // is one scalar), and at `?`: the long way for those.
                        b':' if matches!(bytes.get(k + 1), None | Some(b' ')) => {
                            len = k;
                            break;
                        }
                        b':' | b'?' => return None,
                        // A comment or a quote inside a flow plain scalar: the long way.
                        b'#' | b'"' | b'\'' => return None,
                        _ => {}
                    }
                }
                let text = bytes[..len].trim_ascii_end();
                if text.is_empty() {
                    return None;
                }
                Some((self.plain(i, text.len())?, i + text.len()))
            }
            _ => None,
        }
    }

    pub(super) fn skip_spaces(&self, mut i: usize, line_end: usize) -> usize {
        while i < line_end && self.src[i] == b' ' {
            i += 1;
        }
        i
    }

    /// `|`, `|-`, `>` or `>-` at `p` on `line`, the value of a mapping at column `indent`.
    pub(super) fn block_scalar(&mut self, line: &Line, p: usize, indent: usize) -> Option<Node> {
        let literal = self.src[p] == b'|';
        let strip = match self.byte(p + 1) {
            Some(b'-') => true,
            Some(b' ' | b'\n') | None => false,
            _ => return None, // `+` (keep) and indentation indicators go the long way
        };
        let header_end = p + 1 + usize::from(strip);
        if !self.only_comment_after(header_end, line.end) || line.end >= self.src.len() {
            return None;
        }
        self.count_node()?;
        let first = self.line_at(line.next());
        // Leading blank lines, and content not indented more than the mapping: the long way.
        if first.content == first.end || first.indent <= indent {
            return None;
        }
        let content_indent = first.indent;
        // The content lines: `Some(text)`, or `None` for an empty line.
        let mut lines: Vec<Option<&str>> = Vec::new();
        let mut pos = first.start;
        // A block scalar's span (the general loader's too) runs from its first content character to the content
        // of the line that ends it (a comment too), or the end of the document.
        let mut end = self.src.len();
        while pos < self.src.len() {
            let l = self.line_at(pos);
            if l.content == l.end {
                if l.end - l.start > content_indent {
                    return None; // spaces beyond the indentation on an empty line
                }
                lines.push(None);
            } else if l.indent >= content_indent {
                if l.end == self.src.len() {
                    return None; // no final line break
                }
                if !literal && l.indent > content_indent {
                    return None; // more-indented lines of a folded scalar keep their breaks
                }
                lines.push(Some(&self.text[l.start + content_indent..l.end]));
            } else {
                end = l.content;
                break;
            }
            pos = l.next();
        }
        self.pos = pos.min(self.src.len());
        let last = lines.iter().rposition(Option::is_some)?;
        let mut text = String::new();
        let mut empty_run = 0usize;
        for (i, l) in lines[..=last].iter().enumerate() {
            match l {
                None => {
                    empty_run += 1;
                    if literal {
                        text.push('\n');
                    }
                }
                Some(content) => {
                    if !literal && i > 0 {
                        if empty_run == 0 {
                            text.push(' ');
                        } else {
                            text.extend(std::iter::repeat_n('\n', empty_run));
                        }
                    }
                    empty_run = 0;
                    text.push_str(content);
                    if literal {
                        text.push('\n');
                    }
                }
            }
        }
        if literal && strip {
            text.pop();
        } else if !literal && !strip {
            text.push('\n');
        }
        let style = if literal {
            Style::Literal
        } else {
            Style::Folded
        };
        Some(Node::new(
            Value::Str(text),
            self.span(first.content, end),
            style,
        ))
    }

    /// A block sequence whose first `-` is on `line` (also an indentless one: `key:` then `- `
    /// at the key's column).
    pub(super) fn sequence(&mut self, first_line: Line, depth: usize) -> Option<Node> {
        if depth + 2 >= self.limits.max_depth {
            return None;
        }
        self.count_node()?;
        let indent = first_line.indent;
        let mut items = Vec::new();
        let mut line = first_line;
        let mut start = None;
        loop {
            let p = self.skip_spaces(line.content + 1, line.end);
            // An empty item, a nested compact sequence or a block scalar item: the long way.
            if p == line.end || matches!(self.src[p], b'#' | b'|' | b'>') || {
                self.src[p] == b'-' && self.is_break_or_space(p + 1)
            } {
                return None;
            }
            start.get_or_insert(line.content);
            let item_line = Line {
                start: line.start,
                indent: p - line.start,
                content: p,
                end: line.end,
            };
            let item = match self.key(&item_line)? {
                Some((key, after_colon)) => self.mapping(item_line, key, after_colon, depth + 1)?,
                None => self.inline_value(&item_line, p, depth + 1)?,
            };
            items.push(item);
            let Some(next) = self.next_content(self.pos)? else {
                break;
            };
            if next.indent < indent || (next.indent == indent && !self.is_sequence_entry(&next)) {
                break;
            }
            if next.indent > indent {
                return None;
            }
            line = next;
        }
        let start = start.unwrap_or(first_line.content);
        let end = items.last().map_or(start, |n: &Node| n.span.end as usize);
        Some(Node::new(
            Value::Seq(items),
            Span::new(self.offset + start, end.max(self.offset + start)),
            Style::Block,
        ))
    }
}
