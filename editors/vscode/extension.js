// Starts `planlang lsp` for .plan files; everything else is the server's.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate() {
  const command = vscode.workspace.getConfiguration("planlang").get("command", "planlang");
  client = new LanguageClient(
    "planlang",
    "planlang",
    { command, args: ["lsp"] },
    { documentSelector: [{ scheme: "file", language: "planlang" }] }
  );
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
