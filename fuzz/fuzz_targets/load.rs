//! Loading arbitrary bytes: never panics, hangs or exhausts memory; spans stay in the file.
#![no_main]

use kubevet::diagnostics::FileId;
use kubevet::load::{Limits, load};
use kubevet::source::SourceFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let file = SourceFile::new(FileId(0), "fuzz.yaml".into(), text.to_owned());
    let loaded = load(&file, &Limits::default());
    for d in &loaded.diagnostics {
        let span = d.primary.location.span;
        assert!(span.end as usize <= text.len() && text.is_char_boundary(span.start as usize));
    }
});
