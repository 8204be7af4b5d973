// Imported first by bin/multicam.js and the npm scripts: on a Node older than package.json's
// `engines` (test/node-version.test.ts keeps the two equal), one line saying what to do instead of
// a stack trace from some newer API further on.
export const MIN_NODE_MAJOR = 24;

const major = Number(process.versions.node.split('.')[0]);
if (major < MIN_NODE_MAJOR) {
  process.stderr.write(
    `MultiCam Controller needs Node.js ${MIN_NODE_MAJOR} or newer, this is ${process.version}: install Node ${MIN_NODE_MAJOR} (nodejs.org, or \`npm install -g node@${MIN_NODE_MAJOR}\`) and run it again.\n`,
  );
  process.exit(1);
}
