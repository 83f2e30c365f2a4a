/*
 * Module boundaries of the server (docs/architecture.md, "Modules"; decision 0010), checked by
 * `npm run lint`:
 *
 *   zhibo/public-entry     another module is imported only through its index.ts
 *   zhibo/layers           src/platform and src/db import no module and not the app root;
 *                          a module's code imports neither the app root nor src/db (tests,
 *                          which build the app around what they test, stand outside the layers)
 *   zhibo/no-module-cycle  the graph of modules (an edge A → B when a file of A, tests aside,
 *                          imports B, types included) has no cycle
 *
 * Paths are classified by the last `src/` in them, so the same rules run on the fixtures of
 * test/lint-boundaries.unit.test.ts (test/fixtures/lint/src/...). Only relative specifiers are
 * followed; packages are not modules of ours.
 */
import fs from 'node:fs';
import path from 'node:path';

const DOCS = 'docs/architecture.md, "Modules"';

/** Where a file sits: its project root (the folder holding src/) and its area. */
export function place(file) {
  const norm = file.split(path.sep).join('/');
  const i = norm.lastIndexOf('/src/');
  if (i < 0) return { area: 'outside', root: null, rel: norm };
  const root = norm.slice(0, i);
  const rest = norm.slice(i + 5);
  const rel = `src/${rest}`;
  const parts = rest.split('/');
  if (parts[0] === 'modules' && parts.length >= 3) return { area: 'module', root, rel, module: parts[1], inner: parts.slice(2).join('/') };
  if (parts[0] === 'platform') return { area: 'platform', root, rel };
  if (parts[0] === 'db') return { area: 'db', root, rel };
  if (rest === 'config.ts' || rest === 'config.js') return { area: 'config', root, rel };
  return { area: 'app', root, rel };
}

const isTest = (file) => /\.test\.[cm]?[jt]s$/.test(file);
const isIndex = (inner) => inner === 'index.ts' || inner === 'index.js';
/** The source file a specifier names: our imports say `.js`, the file is `.ts`. */
const asSource = (rel) => rel.replace(/\.js$/, '.ts');

function resolve(fromFile, spec) {
  if (!spec.startsWith('./') && !spec.startsWith('../')) return null;
  return path.resolve(path.dirname(fromFile), spec);
}

/** The specifier one would write from `fromFile` to module `name`'s index. */
function indexSpec(fromFile, root, name) {
  let rel = path.relative(path.dirname(fromFile), path.join(root, 'src', 'modules', name, 'index.js')).split(path.sep).join('/');
  if (!rel.startsWith('.')) rel = `./${rel}`;
  return rel;
}

// ---- the module graph, read from the files on disk once per project root and lint run ----

const SPEC_RE = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[\w$*{}\s,]+?\s+from\s+)?['"]([^'"\n]+)['"]|import\(\s*['"]([^'"\n]+)['"]\s*\)/g;
const graphs = new Map();

function walk(dir, out) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (/\.ts$/.test(e.name) && !isTest(e.name)) out.push(p);
  }
  return out;
}

/** For each module: the modules its (non-test) files import, with one importing file per edge. */
function moduleGraph(root) {
  if (graphs.has(root)) return graphs.get(root);
  const files = new Map(); // file → Map(target module → first specifier)
  for (const file of walk(path.join(root, 'src', 'modules'), [])) {
    const here = place(file);
    const edges = new Map();
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(SPEC_RE)) {
      const target = resolve(file, m[1] ?? m[2]);
      if (!target) continue;
      const there = place(target);
      if (there.area === 'module' && there.module !== here.module && !edges.has(there.module)) edges.set(there.module, m[1] ?? m[2]);
    }
    files.set(file, edges);
  }
  const graph = { files };
  graphs.set(root, graph);
  return graph;
}

/** module → Map(target module → file that imports it), with `file`'s edges taken from its current text. */
function edgesOf(graph, file, fileEdges) {
  const out = new Map();
  const add = (f, edges) => {
    const from = place(f).module;
    if (!out.has(from)) out.set(from, new Map());
    for (const to of edges.keys()) if (!out.get(from).has(to)) out.get(from).set(to, f);
  };
  for (const [f, edges] of graph.files) if (f !== file) add(f, edges);
  add(file, fileEdges);
  return out;
}

/** A path of modules from `start` to `goal` (both included), or null. */
function findPath(edges, start, goal) {
  const prev = new Map([[start, null]]);
  const queue = [start];
  while (queue.length) {
    const m = queue.shift();
    if (m === goal) {
      const pathOut = [];
      for (let x = m; x !== null; x = prev.get(x)) pathOut.unshift(x);
      return pathOut;
    }
    for (const next of edges.get(m)?.keys() ?? []) {
      if (!prev.has(next)) {
        prev.set(next, m);
        queue.push(next);
      }
    }
  }
  return null;
}

// ---- the rules ----

/** Calls `check(node, specifier)` for every import, re-export, dynamic import and import type. */
function onImports(check) {
  const source = (node) => (node.source && typeof node.source.value === 'string' ? check(node.source, node.source.value) : undefined);
  return {
    ImportDeclaration: source,
    ExportNamedDeclaration: source,
    ExportAllDeclaration: source,
    ImportExpression(node) {
      if (node.source.type === 'Literal' && typeof node.source.value === 'string') check(node.source, node.source.value);
    },
    TSImportType(node) {
      const lit = node.argument?.literal ?? node.source ?? node.argument;
      if (lit && typeof lit.value === 'string') check(lit, lit.value);
    },
  };
}

const publicEntry = {
  meta: {
    type: 'problem',
    docs: { description: "Another module is imported only through its index.ts (its public entry)." },
    messages: {
      internal:
        "zhibo/public-entry: '{{file}}' imports '{{target}}', an internal file of module '{{module}}'. " +
        "Import from '{{entry}}' and export what you need there ({{docs}}).",
    },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    const here = place(file);
    return onImports((node, spec) => {
      const target = resolve(file, spec);
      if (!target) return;
      const there = place(target);
      if (there.area !== 'module' || (here.area === 'module' && here.module === there.module) || isIndex(there.inner)) return;
      context.report({
        node,
        messageId: 'internal',
        data: { file: here.rel, target: asSource(there.rel), module: there.module, entry: indexSpec(file, there.root, there.module), docs: DOCS },
      });
    });
  },
};

const layers = {
  meta: {
    type: 'problem',
    docs: { description: 'src/platform and src/db import no module and not the app root; modules import neither the app root nor src/db.' },
    messages: {
      belowModules:
        "zhibo/layers: '{{file}}' imports '{{target}}'. src/platform and src/db sit below every module and import none, " +
        "nor the app root: move what both need into src/platform, or let the app root pass it in ({{docs}}).",
      moduleAboveRoot:
        "zhibo/layers: '{{file}}' imports '{{target}}'. A module's code uses src/platform and other modules' index.ts; " +
        "the app root (app, jobs, schema, runtime, cli) and src/db are for the root and the tests ({{docs}}).",
    },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    const here = place(file);
    // Tests stand outside the layers: they build the app around what they test.
    if (isTest(file)) return {};
    return onImports((node, spec) => {
      const target = resolve(file, spec);
      if (!target) return;
      const there = place(target);
      const data = { file: here.rel, target: asSource(there.rel), docs: DOCS };
      if ((here.area === 'platform' || here.area === 'db') && (there.area === 'module' || there.area === 'app')) {
        context.report({ node, messageId: 'belowModules', data });
      } else if (here.area === 'module' && (there.area === 'app' || there.area === 'db')) {
        context.report({ node, messageId: 'moduleAboveRoot', data });
      }
    });
  },
};

const noModuleCycle = {
  meta: {
    type: 'problem',
    docs: { description: 'No cycle in the graph of modules.' },
    messages: {
      cycle:
        "zhibo/no-module-cycle: '{{file}}' makes module '{{from}}' depend on '{{to}}', which already depends on '{{from}}': {{cycle}}. " +
        'Break the cycle: move what both need into the lower module (or src/platform), or pass it in from the app root ({{docs}}).',
    },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    const here = place(file);
    if (here.area !== 'module' || isTest(file)) return {};
    const found = [];
    return {
      ...onImports((node, spec) => {
        const target = resolve(file, spec);
        if (!target) return;
        const there = place(target);
        if (there.area === 'module' && there.module !== here.module) found.push({ node, to: there.module, spec });
      }),
      'Program:exit'() {
        if (!found.length) return;
        const fileEdges = new Map(found.map((f) => [f.to, f.spec]));
        const edges = edgesOf(moduleGraph(here.root), file, fileEdges);
        const reported = new Set();
        for (const { node, to } of found) {
          if (reported.has(to)) continue;
          const back = findPath(edges, to, here.module);
          if (!back) continue;
          reported.add(to);
          const steps = [`${here.module} → ${to} (this file)`];
          for (let i = 0; i + 1 < back.length; i++) {
            const via = edges.get(back[i]).get(back[i + 1]);
            steps.push(`${back[i]} → ${back[i + 1]} (${place(via).rel})`);
          }
          context.report({ node, messageId: 'cycle', data: { file: here.rel, from: here.module, to, cycle: steps.join(', '), docs: DOCS } });
        }
      },
    };
  },
};

const plugin = {
  meta: { name: 'zhibo-boundaries' },
  rules: { 'public-entry': publicEntry, layers, 'no-module-cycle': noModuleCycle },
};

/** The flat-config entry eslint.config.js uses (the lint test loads that same config). */
export const boundaries = {
  files: ['src/**/*.ts', 'test/**/*.ts'],
  plugins: { zhibo: plugin },
  rules: { 'zhibo/public-entry': 'error', 'zhibo/layers': 'error', 'zhibo/no-module-cycle': 'error' },
};

export default plugin;
