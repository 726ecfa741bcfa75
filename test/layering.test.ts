// The library's layering, read from the compiled files users load (dist/): no import cycle
// between lib modules, and the device's children (context, agent, miniport commands) reach it only
// through the request channel, never by importing the device. Lane-independent.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from './helpers';

const dist = path.join(root, 'dist');

/** Every compiled module under dist/, as a path relative to dist/ without ".js". */
function modules(dir = dist): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return modules(full);
    return entry.name.endsWith('.js') ? [path.relative(dist, full).slice(0, -3).split(path.sep).join('/')] : [];
  });
}

/** The local modules a compiled module requires (TypeScript erases type-only imports). */
function imports(module: string): string[] {
  const source = fs.readFileSync(path.join(dist, `${module}.js`), 'utf8');
  const found = new Set<string>();
  for (const match of source.matchAll(/require\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g)) {
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(module), match[1])).replace(/\.js$/, '');
    found.add(target.endsWith('/index') || fs.existsSync(path.join(dist, `${target}.js`)) ? target : `${target}/index`);
  }
  return [...found];
}

/** Every cycle in the graph, each as the path that closes it (a -> b -> a). */
function cycles(graph: Map<string, string[]>): string[] {
  const found: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next].join(' -> '));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

describe('lib/ layering (compiled)', () => {
  const graph = new Map(modules().map((m) => [m, imports(m)]));

  it('reads the modules it checks', () => {
    expect([...graph.keys()]).toEqual(expect.arrayContaining(['index', 'device', 'context', 'agent', 'miniport', 'channel', 'validate']));
    expect(graph.get('device')).toEqual(expect.arrayContaining(['context', 'agent']));
  });

  it('has no import cycle', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('the cycle finder finds a cycle it is given', () => {
    expect(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]]))).toEqual(['a -> b -> c -> a']);
  });

  it.each(['context', 'agent', 'miniport'])('%s does not import the device', (child) => {
    expect(graph.get(child)).not.toContain('device');
  });

  it('validation helpers live in the validation module', () => {
    const device = fs.readFileSync(path.join(dist, 'device.js'), 'utf8');
    expect(device).not.toMatch(/function check[A-Z]/);
    expect(fs.readFileSync(path.join(dist, 'validate.js'), 'utf8')).toMatch(/function checkWaitOptions/);
  });
});
