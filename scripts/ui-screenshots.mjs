#!/usr/bin/env node
// Screenshots of the packaged extension for the docs, taken in real VS Code (code-server +
// headless Chromium, as the tests use): installs kubemark-workbench.vsix into a scratch
// code-server, opens the Kubemark view, runs "Kubemark: Deploy Hollow Nodes" from the
// command palette, and saves one PNG per step into docs/images/.
//
//   node scripts/ui-screenshots.mjs [--no-package] [--vsix FILE] [--out DIR] [--only NAME]
//
//   --no-package  use the existing .vsix instead of running `npm run package` first
//   --vsix FILE   the .vsix to install (default kubemark-workbench.vsix)
//   --out DIR     where the PNGs go (default docs/images)
//   --only NAME   stop after the step NAME
//
// The extension host sees KUBECONFIG, KUBEMARK_LAB_DIR and every other KUBEMARK_* variable
// from this environment (passed through code-server's environment). Start the lab first
// and point KUBECONFIG at it, or the Deploy step shows the no-cluster state.
// Look at every picture before committing it.
//
// STATE: skeleton. Steps 01-03 work with the real .vsix (checked: the view shows the
// Workers/Masters cluster rows, the palette offers Deploy). Step 04 runs Deploy, which without
// a lab stops at "No workers cluster is selected"; still to do once the lab is wired in:
// select the workers and masters clusters first (Kubemark: Select Workers/Masters Cluster),
// answer Deploy's prompts, and wait for the row named by DEPLOY_DONE_ROW below.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { elapsed, forwardedEnv, makeWorkspace, repoRoot } from '../test/vscode/common.mjs';
import { loadDeps, Session } from '../test/vscode/session.mjs';

const T0 = Date.now();
const log = (msg) => console.log(`[ui-screenshots ${elapsed(T0)}] ${msg}`);

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name, dflt) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : dflt; };
const VSIX = resolve(option('--vsix', join(repoRoot, 'kubemark-workbench.vsix')));
const OUT = resolve(option('--out', join(repoRoot, 'docs/images')));
const ONLY = option('--only');
const STEP_TIMEOUT_MS = Number(process.env.KUBEMARK_UI_STEP_TIMEOUT_MS) || 60_000;
/** TODO(tree/deploy): the label of a tree row that shows Deploy finished (e.g. a Ready hollow node). */
const DEPLOY_DONE_ROW = process.env.KUBEMARK_UI_DEPLOY_DONE_ROW || 'hollow-node-0';

/** Runs a command from the palette: F1, type, wait for the row, optionally Enter. */
async function palette(page, title, { run = true } = {}) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first()
    .waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  if (run) await page.keyboard.press('Enter');
}

const STEPS = [
  {
    name: '01-workbench',
    what: 'the workbench with the extension installed',
    async run(page) {
      await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: STEP_TIMEOUT_MS });
      await page.locator('.activitybar a[aria-label^="Kubemark"]').first().waitFor({ timeout: STEP_TIMEOUT_MS });
    },
  },
  {
    name: '02-kubemark-view',
    what: 'the Kubemark activity-bar view (Clusters)',
    async run(page) {
      await page.locator('.activitybar a[aria-label^="Kubemark"]').first().click();
      // The side bar's title reads "KUBEMARK: CLUSTERS" (a lone view's own header is hidden).
      await page.locator('.part.sidebar .title-label', { hasText: /Kubemark/i }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
    },
  },
  {
    name: '03-palette-deploy',
    what: 'the command palette offering Kubemark: Deploy Hollow Nodes',
    async run(page) {
      await palette(page, 'Kubemark: Deploy Hollow Nodes', { run: false });
    },
  },
  {
    name: '04-deploy',
    what: 'after Deploy Hollow Nodes: the tree with the hollow nodes',
    async run(page) {
      await page.keyboard.press('Enter');
      // TODO(deploy): answer Deploy's prompts here (quick picks / input boxes), e.g.
      //   await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'workers' }).first().click();
      await page.locator('.monaco-list-row', { hasText: DEPLOY_DONE_ROW }).first()
        .waitFor({ timeout: Number(process.env.KUBEMARK_UI_DEPLOY_TIMEOUT_MS) || 5 * 60_000 });
    },
  },
];

let session;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => { Promise.resolve(session?.stop()).finally(() => process.exit(130)); });
}

let failed = false;
try {
  const deps = loadDeps();
  if (!flag('--no-package')) {
    log('npm run package');
    const r = spawnSync('npm', ['run', 'package'], { cwd: repoRoot, stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`npm run package failed (${r.status ?? r.signal})`);
  }
  if (!existsSync(VSIX)) throw new Error(`${VSIX} not found (npm run package makes it)`);
  mkdirSync(OUT, { recursive: true });

  // No smoke-test driver here: it hides notifications, which the pictures should show.
  session = new Session({ deps, log, settings: { 'workbench.colorTheme': 'Default Light Modern' } });
  const ws = makeWorkspace(session.root);
  session.codeServerCli(['--install-extension', VSIX, '--force']);
  log(`installed ${VSIX}`);
  await session.startCodeServer({ env: forwardedEnv() });
  const page = await session.launchChromium({ width: 1440, height: 900 });
  await page.goto(`${session.origin}/?folder=${encodeURIComponent(ws)}`, { waitUntil: 'domcontentloaded', timeout: 60_000 });

  for (const step of STEPS) {
    const file = join(OUT, `${step.name}.png`);
    try {
      await step.run(page);
      // Let the workbench finish the layout and animation the step started; the picture is
      // for people, not an assertion.
      await page.waitForTimeout(500);
      await page.screenshot({ path: file });
      log(`${step.name}: ${step.what} -> ${file}`);
    } catch (err) {
      failed = true;
      const shot = join(OUT, `${step.name}.FAILED.png`);
      await page.screenshot({ path: shot }).catch(() => {});
      log(`${step.name} FAILED (${step.what}): ${err?.message ?? err}; what the page showed: ${shot}`);
      break;
    }
    if (ONLY === step.name) break;
  }
} catch (err) {
  failed = true;
  log(`ERROR: ${err?.stack ?? err}`);
} finally {
  await session?.stop();
}
log(failed ? 'failed' : `done; look at every picture in ${OUT} before committing it`);
process.exit(failed ? 1 : 0);
