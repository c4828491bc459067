//! Where a thing is in a file's text: a byte range, the unit every later stage points with.

/// A byte range into the file's text. `u32` keeps nodes small; files are limited well below 4 GiB.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end.max(start) as u32,
        }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// A sub-span `offset..offset+len` counted in bytes from the start of this span.
    pub fn sub(self, offset: usize, len: usize) -> Span {
        let start = (self.start as usize + offset).min(self.end as usize);
        Span::new(start, (start + len).min(self.end as usize))
    }
}
