'use strict';
// chromium.js — what the browser harnesses (run.js, happn3-client.js) share: Debian's Chromium
// through playwright-core (which never downloads a browser), the summary line and the exit.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

// launch starts headless Chromium with a fresh profile; close() ends it and removes the profile.
async function launch(executablePath) {
  const { chromium } = require('playwright-core');
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'happn-browser-harness-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

// summary prints the summary line the Go tests parse and returns the exit code: 0 only when
// something passed and nothing failed.
function summary(results) {
  console.log(`summary: ${results.pass} passed, ${results.fail} failed, ${results.skip} skipped`);
  return results.fail === 0 && results.pass > 0 ? 0 : 1;
}

// run runs main and exits with its code, or 1 with the error.
function run(main, label) {
  main().then(
    (code) => process.exit(code),
    (e) => {
      console.error(label + ': ' + (e && e.stack ? e.stack : e));
      process.exit(1);
    }
  );
}

module.exports = { launch, summary, run };
