// node hot-refs.mjs ACORN_DIR LIST_FILE
//
// For every path in LIST_FILE (one per line) prints one JSON line:
//   {"file": PATH, "module": true|false, "error": MESSAGE|null, "hot": N}
// where "module" says whether acorn parses the file as an ES module and N counts
// the code references to import.meta.hot found in the AST:
//   import.meta.hot, import.meta?.hot     MemberExpression, non-computed
//   import.meta["hot"], import.meta[`hot`] MemberExpression, computed constant key
//   {hot} = import.meta, {hot: h} = ...   ObjectPattern destructuring import.meta
// Strings and comments that merely mention import.meta.hot are not counted.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const [, , acornDir, listFile] = process.argv;
const acorn = createRequire(path.join(path.resolve(acornDir), 'package.json'))('.');

const isImportMeta = (n) =>
  n?.type === 'MetaProperty' && n.meta.name === 'import' && n.property.name === 'meta';

// The property name a key node stands for, or null when it is not a constant.
function keyName(key, computed) {
  if (!computed && key.type === 'Identifier') return key.name;
  if (key.type === 'Literal') return String(key.value);
  if (key.type === 'TemplateLiteral' && key.expressions.length === 0) return key.quasis[0].value.cooked;
  return null;
}

function hotRefs(node) {
  if (node.type === 'MemberExpression' && isImportMeta(node.object)) {
    return keyName(node.property, node.computed) === 'hot' ? 1 : 0;
  }
  const pairs = [[node.id, node.init], [node.left, node.right]];
  let n = 0;
  for (const [target, value] of pairs) {
    if (target?.type !== 'ObjectPattern' || !isImportMeta(value)) continue;
    for (const p of target.properties) {
      if (p.type === 'Property' && keyName(p.key, p.computed) === 'hot') n++;
    }
  }
  return n;
}

function walk(node, visit) {
  visit(node);
  for (const k in node) {
    const v = node[k];
    if (Array.isArray(v)) {
      for (const c of v) if (c && typeof c.type === 'string') walk(c, visit);
    } else if (v && typeof v.type === 'string' && k !== 'type') {
      walk(v, visit);
    }
  }
}

const files = fs.readFileSync(listFile, 'utf8').split('\n').filter(Boolean);
for (const file of files) {
  const result = { file, module: false, error: null, hot: 0 };
  try {
    const ast = acorn.parse(fs.readFileSync(file, 'utf8'), {
      ecmaVersion: 'latest', sourceType: 'module', allowHashBang: true,
    });
    result.module = true;
    walk(ast, (n) => { result.hot += hotRefs(n); });
  } catch (e) {
    result.error = String(e.message);
  }
  process.stdout.write(JSON.stringify(result) + '\n');
}
