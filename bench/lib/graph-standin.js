/**
 * Loads the Graph stand-in of the tests (test/harness/graph/standin.ts) for a plain-JS bench:
 * transpiled on the fly with TypeScript (no type check), its one src/ import pointed at dist/.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const ts = require('typescript');
const { root, dist } = require('./common');

function loadGraphStandin() {
  const source = fs.readFileSync(path.join(root, 'test', 'harness', 'graph', 'standin.ts'), 'utf8');
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  const file = path.join(os.tmpdir(), `graph-standin-${process.pid}.js`);
  fs.writeFileSync(file, js.replace(/require\("\.\.\/\.\.\/\.\.\/src\/messenger\/signature"\)/, `require(${JSON.stringify(path.join(dist, 'messenger', 'signature.js'))})`));
  try {
    return require(file).GraphStandin;
  } finally {
    fs.rmSync(file, { force: true });
  }
}

module.exports = { loadGraphStandin };
