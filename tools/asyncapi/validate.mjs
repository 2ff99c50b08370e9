// Validates an AsyncAPI document with the official parser: `node validate.mjs FILE` (or stdin).
// Exits 1 on any error-level diagnostic; warnings are printed and tolerated.
import { readFileSync } from "node:fs";
import { Parser, DiagnosticSeverity } from "@asyncapi/parser";

const path = process.argv[2];
const text = readFileSync(path ?? 0, "utf8");
const parser = new Parser();
const { document, diagnostics } = await parser.parse(text, { source: path });

const label = { 0: "error", 1: "warning", 2: "info", 3: "hint" };
for (const d of diagnostics) {
  if (d.severity <= DiagnosticSeverity.Warning) {
    console.log(`${label[d.severity]} ${d.code} at ${d.path.join(".")}: ${d.message}`);
  }
}
const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);
if (!document || errors.length) {
  console.error(`invalid AsyncAPI document: ${errors.length} error(s)`);
  process.exit(1);
}
const version = document.version();
const messages = document.allMessages().length;
const operations = document.allOperations().length;
const schemas = document.components().schemas().length;
console.log(`valid AsyncAPI ${version}: ${operations} operations, ${messages} messages, ${schemas} schemas`);
