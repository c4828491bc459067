//! `textDocument/codeAction`: quick fixes.

use super::server::Server;
use lsp_types as lsp;

pub fn code_actions(
    _server: &Server,
    _params: &lsp::CodeActionParams,
) -> Vec<lsp::CodeActionOrCommand> {
    Vec::new()
}
