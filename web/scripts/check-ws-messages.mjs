// Checks the page's WebSocket message types (src/ws/messages.ts) against the server's
// AsyncAPI document: every interface with a `type` literal is a message the document has,
// every field it names is one of that message's (recursively into the payloads it names),
// and a field the page counts on (not `?`) is one the server always sends. Messages the
// page sends must also carry every field the server requires.
//
//   node scripts/check-ws-messages.mjs ASYNCAPI.json OPENAPI.json [messages.ts]
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const [asyncapiPath, openapiPath, sourcePath = fileURLToPath(new URL("../src/ws/messages.ts", import.meta.url))] =
  process.argv.slice(2);
if (!asyncapiPath || !openapiPath) {
  console.error("usage: check-ws-messages.mjs ASYNCAPI.json OPENAPI.json [messages.ts]");
  process.exit(2);
}
const asyncapi = JSON.parse(readFileSync(asyncapiPath, "utf8"));
const openapi = JSON.parse(readFileSync(openapiPath, "utf8"));
const source = ts.createSourceFile(sourcePath, readFileSync(sourcePath, "utf8"), ts.ScriptTarget.ES2022, true);

const interfaces = new Map();
const aliases = new Map();
for (const statement of source.statements) {
  if (ts.isInterfaceDeclaration(statement)) interfaces.set(statement.name.text, statement);
  if (ts.isTypeAliasDeclaration(statement)) aliases.set(statement.name.text, statement);
}

const problems = [];
let checkedMessages = 0;
let checkedFields = 0;

function resolve(document, schema) {
  let current = schema;
  for (let depth = 0; current && current.$ref && depth < 20; depth++) {
    const path = current.$ref.replace(/^#\//, "").split("/");
    current = path.reduce((node, key) => node?.[key], document);
  }
  return current;
}

/** The object schema under a property: through $ref, `anyOf [X, null]` and array items. */
function objectSchema(document, schema) {
  let current = resolve(document, schema);
  for (let depth = 0; current && depth < 10; depth++) {
    if (current.properties) return current;
    if (current.anyOf) current = resolve(document, current.anyOf.find((s) => s.type !== "null"));
    else if (current.items) current = resolve(document, current.items);
    else return null;
  }
  return null;
}

function members(declaration) {
  const out = [];
  for (const clause of declaration.heritageClauses ?? []) {
    for (const type of clause.types) {
      const base = interfaces.get(type.expression.getText(source));
      if (base) out.push(...members(base));
    }
  }
  for (const member of declaration.members) {
    if (ts.isPropertySignature(member)) out.push(member);
  }
  return out;
}

/** The interface or alias a property's type names (through arrays, Nullable<…> and unions). */
function namedType(node) {
  if (!node) return null;
  if (ts.isArrayTypeNode(node)) return namedType(node.elementType);
  if (ts.isUnionTypeNode(node)) {
    for (const part of node.types) {
      const found = namedType(part);
      if (found) return found;
    }
    return null;
  }
  if (ts.isTypeReferenceNode(node)) {
    const name = node.typeName.getText(source);
    const generic = aliases.get(name)?.typeParameters;
    if (interfaces.has(name) || (aliases.has(name) && !generic)) return name;
    for (const argument of node.typeArguments ?? []) {
      const found = namedType(argument);
      if (found) return found;
    }
  }
  return null;
}

function allowsNull(node) {
  if (!node) return false;
  if (node.kind === ts.SyntaxKind.NullKeyword) return true;
  if (ts.isLiteralTypeNode(node) && node.literal.kind === ts.SyntaxKind.NullKeyword) return true;
  if (ts.isUnionTypeNode(node)) return node.types.some(allowsNull);
  if (ts.isTypeReferenceNode(node) && node.typeName.getText(source) === "Nullable") return true;
  return false;
}

function schemaAllowsNull(schema) {
  const resolved = resolve(asyncapi, schema) ?? {};
  if (resolved.type === "null" || (Array.isArray(resolved.type) && resolved.type.includes("null"))) return true;
  return (resolved.anyOf ?? resolved.oneOf ?? []).some((s) => schemaAllowsNull(s));
}

function literalOf(node) {
  if (node && ts.isLiteralTypeNode(node) && ts.isStringLiteral(node.literal)) return node.literal.text;
  return null;
}

function checkAlias(name, schema, where) {
  // `X = Schemas["Name"]`: the REST schema the page reads; the message must carry all of it.
  const text = aliases.get(name).type.getText(source);
  const match = /^Schemas\["(\w+)"\]$/.exec(text);
  if (!match) return;
  const rest = openapi.components.schemas[match[1]];
  if (!rest) {
    problems.push(`${where}: ${text} is not in openapi.json`);
    return;
  }
  const required = new Set(schema.required ?? []);
  for (const field of rest.required ?? []) {
    checkedFields++;
    if (!(field in (schema.properties ?? {}))) problems.push(`${where}.${field}: REST's ${match[1]} has it, the message does not`);
    else if (!required.has(field)) problems.push(`${where}.${field}: REST's ${match[1]} requires it, the message may leave it out`);
  }
}

function checkObject(name, schema, where, sends) {
  if (aliases.has(name)) return checkAlias(name, schema, where);
  const declaration = interfaces.get(name);
  const required = new Set(schema.required ?? []);
  const seen = new Set();
  for (const member of members(declaration)) {
    const field = member.name.getText(source);
    seen.add(field);
    checkedFields++;
    const property = schema.properties?.[field];
    if (!property) {
      problems.push(`${where}.${field}: not in the AsyncAPI schema`);
      continue;
    }
    const optional = Boolean(member.questionToken);
    const always = required.has(field) || "default" in resolve(asyncapi, property);
    if (!optional && !sends && !always) problems.push(`${where}.${field}: the page counts on it, the server may leave it out`);
    if (!optional && sends && !required.has(field) && field !== "type") problems.push(`${where}.${field}: required here, optional for the server (mark it ?)`);
    if (!sends && !allowsNull(member.type) && schemaAllowsNull(property)) {
      problems.push(`${where}.${field}: the server may send null, the page's type has no null`);
    }
    const literal = literalOf(member.type);
    const constant = resolve(asyncapi, property).const;
    if (literal && constant !== undefined && literal !== constant) problems.push(`${where}.${field}: "${literal}" here, "${constant}" in the document`);
    const nested = namedType(member.type);
    if (nested) {
      const inner = objectSchema(asyncapi, property);
      if (!inner) problems.push(`${where}.${field}: ${nested} here, no object schema in the document`);
      else checkObject(nested, inner, `${where}.${field}`, sends);
    }
  }
  if (sends) {
    for (const field of required) {
      if (!seen.has(field)) problems.push(`${where}.${field}: the server requires it, the page never sends it`);
    }
  }
}

const messages = asyncapi.components.messages;
for (const [name, declaration] of interfaces) {
  const typeMember = members(declaration).find((m) => m.name.getText(source) === "type");
  const type = literalOf(typeMember?.type);
  if (!type) continue;
  checkedMessages++;
  const message = messages[type];
  if (!message) {
    problems.push(`${name}: message "${type}" is not in the AsyncAPI document`);
    continue;
  }
  const sends = type === "auth" || type === "ping" || /\.(un)?subscribe$/.test(type);
  checkObject(name, resolve(asyncapi, message.payload), `${name} (${type})`, sends);
}

if (problems.length) {
  console.error(`${problems.length} problem(s) in ${sourcePath}:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`${checkedMessages} messages, ${checkedFields} fields match the AsyncAPI document`);
