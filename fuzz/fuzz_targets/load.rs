//! Loading arbitrary bytes: never panics, hangs or exhausts memory; spans stay in the file; and
//! the fast path (src/load/block.rs) builds exactly what the general loader builds.
#![no_main]

use kubevet::diagnostics::FileId;
use kubevet::load::{Limits, load, load_without_fast_path};
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
    // Debug text, so that NaN (`.nan`) equals itself.
    let general = load_without_fast_path(&file, &Limits::default());
    let show = |l: &kubevet::load::Loaded| {
        let documents: Vec<_> = l.documents.iter().map(|d| (d.index, &d.root)).collect();
        format!("{documents:?}\n{:?}", l.diagnostics)
    };
    assert_eq!(show(&loaded), show(&general), "the fast path differs");
});
