// The addon's one source list (native/sources.json): CMakeLists.txt reads it, and binding.gyp
// expands it with the command written in it. Both stay in step with the folder, so adding a
// source is one line there. Valid in both lanes (no driver needed).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from './helpers';

const listed = JSON.parse(fs.readFileSync(path.join(root, 'native', 'sources.json'), 'utf8')) as string[];
// MinGW builds only (MSVC builds get node-gyp's or cmake-js's own hook).
const mingwOnly = ['native/delay_load_hook.cc'];

describe('native/sources.json', () => {
  it('lists every addon source in native/ (C++ files at any depth), and nothing that does not exist', () => {
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
        const rel = `${dir}/${entry.name}`;
        if (entry.isDirectory()) walk(rel);
        else if (/\.(cc|cpp)$/.test(entry.name) && !mingwOnly.includes(rel)) found.push(rel);
      }
    };
    walk('native');
    expect([...listed].sort()).toEqual(found.sort());
  });

  it('is what binding.gyp\'s sources command expands to (run as gyp runs it, in the package root)', () => {
    const gyp = fs.readFileSync(path.join(root, 'binding.gyp'), 'utf8');
    const match = /"sources": \["<!@\(node -p \\"(.+?)\\"\)"\]/.exec(gyp);
    expect(match, 'binding.gyp takes its sources from a node command').not.toBeNull();
    const expanded = execFileSync(process.execPath, ['-p', match![1].replace(/\\"/g, '"')], { cwd: root, encoding: 'utf8' });
    expect(expanded.trim().split(/\s+/)).toEqual(listed);
  });

  it('is what CMakeLists.txt builds from', () => {
    const cmake = fs.readFileSync(path.join(root, 'CMakeLists.txt'), 'utf8');
    expect(cmake).toContain('set(MH_SOURCE_LIST ${CMAKE_CURRENT_SOURCE_DIR}/native/sources.json)');
    expect(cmake).toMatch(/add_library\(miracast_hil SHARED \$\{MH_ADDON_SOURCES\} \$\{CMAKE_JS_SRC\}\)/);
  });
});
