#!/usr/bin/env node
// Entry point of the `hector` command. Plain JavaScript so that it can check the Node version before any
// TypeScript is loaded (Node >= 22.18 runs the TypeScript sources directly by stripping types).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `hector: Node.js ${process.versions.node} is too old; Hector needs Node >= 22.18.\n` +
      '  Run `bash scripts/install.sh` (it brings Node 24 into node_modules) and start Hector with `npx hector`.\n',
  );
  process.exit(2);
}
// Experimental-feature notices (type stripping, node:sqlite) are noise for operators; other warnings still print.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name === 'ExperimentalWarning') return;
  process.stderr.write(`${warning.name}: ${warning.message}\n`);
});
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
