//! `kubevet render DIR`: the objects `kubectl kustomize DIR` prints, rendered by kubevet
//! (see [`crate::render`]), optionally with where each value came from.

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, RenderArgs};
use std::io::{self, Write};

pub(super) fn render(args: &RenderArgs, out: &mut impl Write) -> io::Result<i32> {
    if !args.dir.is_dir() {
        eprintln!("kubevet: render: {} is not a directory", args.dir.display());
        return Ok(EXIT_USAGE);
    }
    match crate::render::render(&args.dir) {
        Ok(rendered) => {
            for info in &rendered.infos {
                eprintln!("kubevet: render: info: {}", rendered.describe_info(info));
            }
            out.write_all(rendered.to_yaml(args.show_sources).as_bytes())?;
            Ok(EXIT_OK)
        }
        Err(failed) => {
            let what = if failed.error.unsupported {
                "cannot render"
            } else {
                "error"
            };
            eprintln!("kubevet: render: {what}: {}", failed.describe());
            if let Some(suggestion) = &failed.error.suggestion {
                eprintln!("kubevet: render: help: {suggestion}");
            }
            Ok(if failed.error.unsupported {
                EXIT_USAGE
            } else {
                EXIT_FINDINGS
            })
        }
    }
}
