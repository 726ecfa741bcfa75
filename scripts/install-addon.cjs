#!/usr/bin/env node
// npm runs this when miracast-hil is installed (package.json "install"). It ships in the package.
//
// - A prebuilt addon that fits the target (prebuilds/<platform>-<arch>/, found the way
//   node-gyp-build finds it at run time; the target is npm's --os/--cpu when given) means there
//   is nothing to do.
// - Otherwise, on Windows, the addon is built from source with node-gyp (binding.gyp), which npm
//   ships; that needs Visual Studio's C++ tools, as every source-built addon does.
// - In the project's own checkout (npm ci at the repository root) nothing happens: the project
//   builds with scripts/build.sh (cmake-js).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
// npm install --os/--cpu (a cross install: e.g. a Windows tree made on Linux) reach scripts as
// npm_config_os/npm_config_cpu; node-gyp-build reads npm_config_platform/npm_config_arch.
const platform = process.env.npm_config_os || process.env.npm_config_platform || process.platform;
const arch = process.env.npm_config_cpu || process.env.npm_config_arch || process.arch;
process.env.npm_config_platform = platform;
process.env.npm_config_arch = arch;

function say(message) {
  process.stderr.write(`miracast-hil: ${message}\n`);
}

// npm runs a root project's scripts with INIT_CWD = the project; a dependency's elsewhere.
const initCwd = process.env.INIT_CWD ? path.resolve(process.env.INIT_CWD) : undefined;
if (initCwd === root && fs.existsSync(path.join(root, 'scripts', 'build.sh'))) {
  process.exit(0);
}

let prebuilt;
try {
  prebuilt = require('node-gyp-build').path(root);
} catch {
  prebuilt = undefined;
}
if (prebuilt) process.exit(0);

if (platform !== 'win32') {
  say(`there is no addon for ${platform}-${arch}: miracast-hil drives a Windows kernel driver and runs on ` +
      'Windows x64 and arm64 (on Linux, inside a Windows Node under Wine; see the README).');
  process.exit(1);
}

say(`no prebuilt addon for ${platform}-${arch} in this package: building it from source with node-gyp ` +
    '(needs Visual Studio with "Desktop development with C++")');
const nodeGyp = process.env.npm_config_node_gyp;
const command = nodeGyp ? process.execPath : 'node-gyp';
const args = nodeGyp ? [nodeGyp, 'rebuild', '--release'] : ['rebuild', '--release'];
const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: !nodeGyp });
if (result.status !== 0) {
  say('the source build failed (see above). Install Visual Studio\'s C++ build tools and run npm rebuild miracast-hil, ' +
      'or use a release that ships a prebuilt addon for your architecture.');
  process.exit(result.status || 1);
}
