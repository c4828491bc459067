//! `textDocument/hover`.

use super::server::Server;
use lsp_types as lsp;

pub fn hover(_server: &Server, _params: &lsp::HoverParams) -> Option<lsp::Hover> {
    None
}
