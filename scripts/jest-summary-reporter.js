// Prints jest's totals as the plain line CI reads ("N passed, N failed") and keeps it in .ci/out/summary. Suites left out
// because their service is not configured (jest.config.js) are named just above it, as not run.
const fs = require('node:fs');
const path = require('node:path');

class SummaryReporter {
  constructor(globalConfig, options = {}) {
    this.rootDir = globalConfig.rootDir;
    this.notRun = options.notRun ?? [];
  }

  onRunComplete(_contexts, results) {
    // A suite that failed to load counts as a failure even though it ran no test.
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    let line = `${results.numPassedTests} passed, ${failed} failed`;
    const skipped = results.numPendingTests + results.numTodoTests;
    if (skipped > 0) line += `, ${skipped} skipped`;
    const outDir = path.join(this.rootDir, '.ci', 'out');
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, 'summary'), `${line}\n`);
    const notRun = this.notRun.map((what) => `Not run: ${what}\n`).join('');
    process.stdout.write(`\n${notRun}${line}\n`);
  }
}

module.exports = SummaryReporter;
