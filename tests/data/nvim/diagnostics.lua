-- Opens $KUBEVET_FILE with kubevet as its language server (Neovim's built-in client), waits for
-- the diagnostics and writes them to $KUBEVET_OUT, one "code line col" a line (0-based).
local root = os.getenv('KUBEVET_REPO')
local out = os.getenv('KUBEVET_OUT')
vim.cmd('edit ' .. vim.fn.fnameescape(os.getenv('KUBEVET_FILE')))
local buf = vim.api.nvim_get_current_buf()
local config = { name = 'kubevet', cmd = { os.getenv('KUBEVET_BIN'), 'lsp' }, root_dir = root }
if vim.lsp.start then
  vim.lsp.start(config)
else
  -- Neovim 0.7 (Debian 12): the same client without the convenience wrapper.
  vim.lsp.buf_attach_client(buf, vim.lsp.start_client(config))
end
vim.wait(60000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
local lines = {}
for _, d in ipairs(vim.diagnostic.get(buf)) do
  local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) or '?'
  table.insert(lines, string.format('%s %d %d', code, d.lnum, d.col))
end
vim.fn.writefile(lines, out)
vim.cmd('qall!')
