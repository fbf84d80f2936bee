#!/usr/bin/env node
// Screenshots of the packaged extension for the docs, taken in real VS Code (code-server +
// headless Chromium, as the tests use), driven only through the UI (command palette, quick
// picks, input boxes, dialogs, keyboard) against the local lab:
//
//   docs/images/tree.png      the Kubemark view after "Deploy Hollow Nodes": namespace → owners →
//                             pods (3/3 ready, and a canary StatefulSet whose hollow node exits on
//                             an unknown flag), fake nodes Ready under Hollow nodes, Other nodes
//   docs/images/diagnosis.png "Why Not Ready?" from the canary pod's context menu in the tree: the
//                             read-only diagnosis with its bad-arguments verdict
//   docs/images/logs.png      "Tail Logs" on all hollow-node pods: the Kubemark Logs output with
//                             the "── suppressed …" summary line
//   docs/images/quickfix.png  the seed manifest with the quick-fix menu (Ctrl+.) open on the bare
//                             $(CONTENT_TYPE) argument (needs no lab)
//
//   npm run lab:up            (first; or use --no-lab for quickfix.png only)
//   node scripts/ui-screenshots.mjs [--no-lab] [--no-package] [--keep-deployed] [--vsix FILE] [--out DIR] [--only NAME]
//
//   --no-lab         only the steps that need no cluster (quickfix)
//   --no-package     use the existing .vsix instead of running `npm run package` first
//   --keep-deployed  leave the hollow nodes deployed (default: Tear Down at the end)
//   --vsix FILE      the .vsix to install (default kubemark-workbench.vsix)
//   --out DIR        where the PNGs go (default docs/images)
//   --only NAME      run the steps up to NAME (select-workers, select-masters, deploy, canary,
//                    tree, diagnosis, logs, teardown, quickfix) and save only NAME's picture
//
// The canary step sets up, with the lab's own kubectl, what the UI cannot make on purpose: a
// copy of the deployed StatefulSet (hollow-node-canary, 1 replica) whose kubelet gets a
// misspelled flag, and one Node in masters that no hollow kubelet registered (the "Other nodes"
// group). Both are removed at the end, pass or fail.
//
// The lab: $KUBEMARK_LAB_DIR, else <repo>/.kubemark-lab; code-server's settings point at its
// kubeconfig (kubemark.kubeconfig) and kubemark.image = registry.k8s.io/kubemark, as
// scripts/lab-main.mjs does. The image tag is the lab's Kubernetes version (lab.json), else
// the version the Masters row of the tree shows.
// Timeouts: KUBEMARK_UI_STEP_TIMEOUT_MS (each wait, default 60 s), KUBEMARK_UI_DEPLOY_TIMEOUT_MS
// (deploy until 3/3 ready, default 5 min). A failed step saves <step>.FAILED.png next to the others.
// Look at every picture before committing it.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
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
const NO_LAB = flag('--no-lab');
const STEP_TIMEOUT_MS = Number(process.env.KUBEMARK_UI_STEP_TIMEOUT_MS) || 60_000;
const DEPLOY_TIMEOUT_MS = Number(process.env.KUBEMARK_UI_DEPLOY_TIMEOUT_MS) || 5 * 60_000;
const LAB_DIR = resolve(process.env.KUBEMARK_LAB_DIR || join(repoRoot, '.kubemark-lab'));
const LAB_KUBECONFIG = join(LAB_DIR, 'kubeconfig');
const WORKERS = 'kubemark-lab-workers';
const MASTERS = 'kubemark-lab-masters';
const REPLICAS = 3;
const NAMESPACE = 'kubemark';
const CANARY = 'hollow-node-canary';
const CANARY_FLAG = '--node-lables=team=perf';
const OTHER_NODE = 'masters-control-plane-0';
const KUBECTL = join(repoRoot, 'lab/bin/kubemark-lab');

/** The lab's own kubectl on the lab's kubeconfig; throws with its stderr when it fails. */
function kubectl(context, args, input) {
  const r = spawnSync(KUBECTL, ['kubectl', '--kubeconfig', LAB_KUBECONFIG, '--context', context, ...args], { encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${(r.stderr || r.error?.message || '').trim()}`);
  return r.stdout;
}

/** Set once the deploy step ran: a failed run removes what it deployed too. */
let deployedHere = false;

/** Removes what the canary step made (idempotent; Tear Down normally removes the StatefulSet), and after a failed run what Deploy made. */
function removeCanary(failedRun) {
  const deployed = failedRun && deployedHere
    ? [[WORKERS, ['-n', NAMESPACE, 'delete', 'statefulset', 'hollow-node', '--ignore-not-found', '--wait=false']],
      [MASTERS, ['delete', 'node', ...Array.from({ length: REPLICAS }, (_, i) => `hollow-node-${i}`), '--ignore-not-found', '--wait=false']]]
    : [];
  for (const [context, args] of [
    ...deployed,
    [WORKERS, ['-n', NAMESPACE, 'delete', 'statefulset', CANARY, '--ignore-not-found', '--wait=false']],
    [MASTERS, ['delete', 'node', OTHER_NODE, '--ignore-not-found', '--wait=false']],
  ]) {
    try { kubectl(context, args); } catch (e) { log(`cleanup: ${e.message}`); }
  }
}

const sidebarRow = (page, text) => page.locator('.part.sidebar .monaco-list-row', { hasText: text }).first();
const quickInput = (page) => page.locator('.quick-input-widget');

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

/** Picks the quick-pick row labelled `label` (the quick pick a command just opened). */
async function pick(page, label) {
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: label }).first();
  await row.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await row.click();
  await quickInput(page).waitFor({ state: 'hidden', timeout: STEP_TIMEOUT_MS });
}

/** Answers the input box titled `title`: replaces its text with `value` and presses Enter. */
async function answerInput(page, title, value) {
  await page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  const input = page.locator('.quick-input-widget input');
  await input.fill(value);
  // The validation message (if any) would keep the box open: fail with it instead of waiting.
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor({ state: 'hidden', timeout: 5_000 }).catch(async () => {
    const msg = await page.locator('.quick-input-widget .quick-input-message').innerText().catch(() => '');
    throw new Error(`the "${title}" input did not accept ${value}${msg ? `: ${msg}` : ''}`);
  });
}

/** The text of the error toasts shown, if any (a command failed). */
async function errorToasts(page) {
  const toasts = page.locator('.notifications-toasts .notification-toast', { has: page.locator('.codicon-error') });
  const n = await toasts.count();
  const out = [];
  for (let i = 0; i < n; i++) out.push((await toasts.nth(i).innerText().catch(() => '')).replace(/\s+/g, ' ').trim());
  return out.filter(Boolean);
}

/** Kubernetes version of the lab: lab.json, else the Masters row of the tree ("v1.37.2 · 0/0 Ready"). */
async function labVersion(page) {
  try {
    const v = JSON.parse(readFileSync(join(LAB_DIR, 'lab.json'), 'utf8')).kubernetesVersion;
    if (/^v?\d+\.\d+\.\d+/.test(v)) return v.startsWith('v') ? v : `v${v}`;
  } catch { /* fall back to the tree */ }
  const text = await sidebarRow(page, `Masters: ${MASTERS}`).innerText();
  const m = /v\d+\.\d+\.\d+/.exec(text);
  if (!m) throw new Error(`no version on the Masters row: ${text}`);
  return m[0];
}

/** Selects a cluster through the palette and its quick pick, then waits until its row shows a version. */
async function selectCluster(page, role, context) {
  await palette(page, `Kubemark: Select ${role} Cluster`);
  await pick(page, context);
  const row = sidebarRow(page, `${role}: ${context}`);
  await row.waitFor({ timeout: STEP_TIMEOUT_MS });
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  while (!/v\d+\.\d+\.\d+/.test(await row.innerText())) {
    if (/unreachable/.test(await row.innerText())) throw new Error(`${role} cluster ${context} is unreachable: is the lab up? (npm run lab:up)`);
    if (Date.now() > deadline) throw new Error(`the ${role} row never showed a version: ${await row.innerText()}`);
    await page.waitForTimeout(250);
  }
}

const LAB_STEPS = [
  {
    name: 'open-view',
    what: 'the Kubemark view (Clusters)',
    async run(page) {
      await page.locator('.activitybar a[aria-label^="Kubemark"]').first().click();
      // A wider side bar, so the rows' descriptions show whole: drag its edge.
      const box = await page.locator('.part.sidebar').boundingBox();
      if (box) {
        await page.mouse.move(box.x + box.width + 2, box.y + box.height / 2);
        await page.mouse.down();
        await page.mouse.move(box.x + box.width + 200, box.y + box.height / 2, { steps: 5 });
        await page.mouse.up();
      }
      // The tree's roots, or (nothing selected yet) the view's welcome buttons.
      await page.locator('.part.sidebar').getByText(/^(Workers: .*|Select Workers Cluster)$/).first().waitFor({ timeout: STEP_TIMEOUT_MS });
    },
  },
  {
    name: 'select-workers',
    what: `Kubemark: Select Workers Cluster → ${WORKERS}`,
    run: (page) => selectCluster(page, 'Workers', WORKERS),
  },
  {
    name: 'select-masters',
    what: `Kubemark: Select Masters Cluster → ${MASTERS}`,
    run: (page) => selectCluster(page, 'Masters', MASTERS),
  },
  {
    name: 'deploy',
    what: `Kubemark: Deploy Hollow Nodes (${REPLICAS} replicas) until ${REPLICAS}/${REPLICAS} ready`,
    async run(page) {
      const image = `registry.k8s.io/kubemark:${await labVersion(page)}`;
      log(`deploy: image ${image}, ${REPLICAS} replicas`);
      await palette(page, 'Kubemark: Deploy Hollow Nodes');
      await answerInput(page, 'Kubemark image', image);
      await answerInput(page, 'Hollow nodes', String(REPLICAS));
      // Then modal dialogs, each optional: the lab's masters server is 127.0.0.1 ("Use It
      // Anyway"), preflight warnings ("Deploy Anyway"), the confirmation ("Deploy").
      // Done when Deploy says so (its toast), not when the StatefulSet is ready: the fake nodes come after.
      const done = page.locator('.notifications-toasts .notification-toast', { hasText: `Kubemark: ${REPLICAS}/${REPLICAS} fake nodes Ready in` }).first();
      deployedHere = true;
      const deadline = Date.now() + DEPLOY_TIMEOUT_MS;
      const answered = [];
      for (;;) {
        if (await done.isVisible()) break;
        const dialog = page.locator('.monaco-dialog-box').first();
        if (await dialog.isVisible()) {
          const text = (await dialog.innerText()).replace(/\s+/g, ' ');
          let clicked = false;
          for (const label of ['Use It Anyway', 'Deploy Anyway', 'Deploy']) {
            const button = dialog.locator('.monaco-button', { hasText: new RegExp(`^\\s*${label}\\s*$`) }).first();
            if (await button.isVisible()) {
              log(`deploy: dialog "${text.slice(0, 120)}…" → ${label}`);
              answered.push(label);
              await button.click();
              clicked = true;
              break;
            }
          }
          if (!clicked) throw new Error(`an unexpected dialog: ${text}`);
          await dialog.waitFor({ state: 'hidden', timeout: STEP_TIMEOUT_MS });
          continue;
        }
        const errors = await errorToasts(page);
        if (errors.length) throw new Error(`deploy failed: ${errors.join(' | ')}`);
        if (Date.now() > deadline) throw new Error(`no "${REPLICAS}/${REPLICAS} fake nodes Ready" toast after ${DEPLOY_TIMEOUT_MS / 1000}s (dialogs answered: ${answered.join(', ') || 'none'})`);
        await page.waitForTimeout(250);
      }
    },
  },
  {
    name: 'canary',
    what: `kubectl: a copy of the StatefulSet (${CANARY}, 1 replica) with ${CANARY_FLAG}, and Node ${OTHER_NODE} in masters`,
    async run(page) {
      const sts = JSON.parse(kubectl(WORKERS, ['-n', NAMESPACE, 'get', 'statefulset', 'hollow-node', '-o', 'json']));
      // Its own selector (the copy must not adopt the original's pods); the other labels as they are.
      const selector = sts.spec.selector.matchLabels ?? {};
      for (const k of Object.keys(selector)) {
        if (/managed-by|instance/.test(k)) continue;
        selector[k] = CANARY;
        sts.spec.template.metadata.labels[k] = CANARY;
      }
      const kubelet = sts.spec.template.spec.containers.find((c) => (c.args ?? c.command ?? []).some((a) => a === '--morph=kubelet'));
      if (!kubelet) throw new Error('no container with --morph=kubelet in the deployed StatefulSet');
      (kubelet.args ?? kubelet.command).push(CANARY_FLAG);
      const copy = {
        apiVersion: 'apps/v1', kind: 'StatefulSet',
        metadata: { name: CANARY, namespace: NAMESPACE, labels: sts.metadata.labels ?? {} },
        spec: { ...sts.spec, replicas: 1 },
      };
      kubectl(WORKERS, ['apply', '-f', '-'], JSON.stringify(copy));
      const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: OTHER_NODE, labels: { 'node-role.kubernetes.io/control-plane': '' } } };
      kubectl(MASTERS, ['apply', '-f', '-'], JSON.stringify(node));
      // The canary's kubemark exits on the flag, and never registers a Node. (In the lab KWOK
      // keeps the pod's status Running: the diagnosis step below waits for the verdict instead.)
      await sidebarRow(page, `${CANARY}-0`).waitFor({ timeout: STEP_TIMEOUT_MS });
      await sidebarRow(page, /Other nodes \(1\)/).waitFor({ timeout: STEP_TIMEOUT_MS });
    },
  },
  {
    name: 'tree',
    file: 'tree.png',
    what: 'the tree: namespace → StatefulSets (3/3 ready, the failing canary) → pods; Hollow nodes → Ready fake nodes; Other nodes',
    async run(page) {
      // Expand the Ready group under Masters to show the fake nodes themselves.
      const ready = sidebarRow(page, /\bReady \(\d+\)/);
      await ready.waitFor({ timeout: STEP_TIMEOUT_MS });
      if ((await ready.getAttribute('aria-expanded')) !== 'true') await ready.click();
      // hollow-node-2 twice: its pod under Workers, its fake node under Masters.
      await page.locator('.part.sidebar .monaco-list-row', { hasText: 'hollow-node-2' }).nth(1).waitFor({ timeout: STEP_TIMEOUT_MS });
      // Nothing selected or hovered in the picture.
      await page.mouse.move(900, 450);
    },
  },
  {
    name: 'diagnosis',
    file: 'diagnosis.png',
    what: `Why Not Ready? from the context menu of ${CANARY}-0 in the tree: the bad-arguments verdict`,
    async run(page) {
      // The verdict needs kubemark's own words in the log: ask again (a new document each time)
      // until the view says bad-arguments.
      const deadline = Date.now() + 3 * STEP_TIMEOUT_MS;
      const verdict = page.locator('.monaco-editor .view-line', { hasText: 'Verdict: `bad-arguments`' }).first();
      for (let attempt = 1; ; attempt++) {
        await sidebarRow(page, `${CANARY}-0`).click({ button: 'right' });
        const item = page.locator('.monaco-menu .action-item', { hasText: 'Why Not Ready?' }).first();
        await item.waitFor({ timeout: STEP_TIMEOUT_MS });
        await item.hover();
        await item.locator('.action-label').first().click();
        // A menu that opened while the tree redrew may miss the click: choose it by keyboard then.
        if (await item.waitFor({ state: 'hidden', timeout: 2_000 }).then(() => false, () => true)) {
          await item.focus();
          await page.keyboard.press('Enter');
          await item.waitFor({ state: 'hidden', timeout: STEP_TIMEOUT_MS });
        }
        const tab = page.locator('.tabs-container .tab.active', { hasText: CANARY }).first();
        await tab.waitFor({ timeout: STEP_TIMEOUT_MS });
        if (await verdict.waitFor({ timeout: 5_000 }).then(() => true, () => false)) break;
        const shown = await page.locator('.monaco-editor .view-line', { hasText: 'Verdict' }).first().innerText().catch(() => '(none)');
        if (Date.now() > deadline) throw new Error(`no bad-arguments verdict after ${attempt} tries; the view says: ${shown}`);
        log(`diagnosis: try ${attempt} says ${shown.trim()}; asking again`);
        await page.keyboard.press('Control+W');
        await page.waitForTimeout(2_000);
      }
      await page.mouse.move(900, 450);
    },
  },
  {
    name: 'logs',
    file: 'logs.png',
    what: 'Kubemark: Tail Logs on all hollow-node pods, with the suppressed-noise summary',
    async run(page) {
      await palette(page, 'Kubemark: Tail Logs');
      const summary = page.locator('.part.panel .view-line', { hasText: /──\s+suppressed\s+[1-9]/ }).first();
      await summary.waitFor({ timeout: 2 * STEP_TIMEOUT_MS });
    },
  },
  {
    name: 'teardown',
    what: 'Stop Tailing Logs, then Kubemark: Tear Down → Tear Down and Delete Fake Nodes',
    skip: () => flag('--keep-deployed'),
    async run(page) {
      await palette(page, 'Kubemark: Stop Tailing Logs');
      await palette(page, 'Kubemark: Tear Down');
      const button = page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Tear Down and Delete Fake Nodes' }).first();
      await button.waitFor({ timeout: STEP_TIMEOUT_MS });
      await button.click();
      await sidebarRow(page, 'No hollow nodes yet').waitFor({ timeout: 3 * STEP_TIMEOUT_MS });
    },
  },
];

const QUICKFIX_STEP = {
  name: 'quickfix',
  file: 'quickfix.png',
  what: 'the seed manifest, cursor on the bare $(CONTENT_TYPE), quick-fix menu open',
  async run(page) {
    await page.locator('.activitybar a[aria-label^="Explorer"]').first().click().catch(() => {});
    // Quick Open the seed copy, go to line 102, column 101 (the first $(CONTENT_TYPE)).
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    await input.fill('seed-indented.yaml');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'seed-indented.yaml' }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
    await page.keyboard.press('Enter');
    await page.locator('.tabs-container .tab.active', { hasText: 'seed-indented.yaml' }).waitFor({ timeout: STEP_TIMEOUT_MS });
    // The diagnostics are drawn as squiggles once the extension checked the file. (Opening a
    // YAML file must activate the extension by itself: activationEvents onLanguage:yaml.)
    await page.locator('.monaco-editor .squiggly-error').first().waitFor({ state: 'attached', timeout: STEP_TIMEOUT_MS }).catch(() => {
      throw new Error('no diagnostics drawn in seed-indented.yaml: did the extension activate on opening a YAML file? (package.json activationEvents needs onLanguage:yaml)');
    });
    await page.keyboard.press('Control+G');
    await input.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    await input.fill(':102:101');
    await page.keyboard.press('Enter');
    await quickInput(page).waitFor({ state: 'hidden', timeout: STEP_TIMEOUT_MS });
    await page.locator('.statusbar-item', { hasText: 'Ln 102, Col 101' }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
    await page.keyboard.press('Control+.');
    // The code action menu ("action widget"), with our fix for the positional argument.
    await page.locator('.action-widget', { hasText: 'Pass it as --kube-api-content-type' }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
  },
};

let session;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => { Promise.resolve(session?.stop()).finally(() => process.exit(130)); });
}

let failed = false;
try {
  if (!NO_LAB && !existsSync(LAB_KUBECONFIG)) {
    throw new Error(`${LAB_KUBECONFIG} does not exist: start the lab (npm run lab:up), or pass --no-lab for the pictures that need none`);
  }
  const deps = loadDeps();
  if (!flag('--no-package')) {
    log('npm run package');
    const r = spawnSync('npm', ['run', 'package'], { cwd: repoRoot, stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`npm run package failed (${r.status ?? r.signal})`);
  }
  if (!existsSync(VSIX)) throw new Error(`${VSIX} not found (npm run package makes it)`);
  mkdirSync(OUT, { recursive: true });

  // No smoke-test driver here: it hides notifications, which the pictures should show.
  // The same kubemark settings as scripts/lab-main.mjs.
  session = new Session({
    deps,
    log,
    settings: {
      'workbench.colorTheme': 'Default Light Modern',
      'kubemark.kubeconfig': LAB_KUBECONFIG,
      'kubemark.image': 'registry.k8s.io/kubemark',
      'editor.minimap.enabled': false,
      'editor.stickyScroll.enabled': false,
    },
  });
  const ws = makeWorkspace(session.root);
  if (!existsSync(join(ws, 'seed-indented.yaml'))) cpSync(join(repoRoot, 'test/fixtures/manifests/seed-indented.yaml'), join(ws, 'seed-indented.yaml'));
  session.codeServerCli(['--install-extension', VSIX, '--force']);
  log(`installed ${VSIX}`);
  // KUBECONFIG is not passed on: the contexts offered are the lab's.
  const { KUBECONFIG: _ignored, ...env } = forwardedEnv();
  await session.startCodeServer({ env: { ...env, KUBEMARK_LAB_DIR: LAB_DIR } });
  const page = await session.launchChromium({ width: 1440, height: 900 });
  await page.goto(`${session.origin}/?folder=${encodeURIComponent(ws)}`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: STEP_TIMEOUT_MS });
  await page.locator('.activitybar a[aria-label^="Kubemark"]').first().waitFor({ timeout: STEP_TIMEOUT_MS });

  const steps = [...(NO_LAB ? [] : LAB_STEPS), QUICKFIX_STEP].filter((s) => !s.skip?.());
  if (ONLY && !steps.some((s) => s.name === ONLY)) throw new Error(`--only ${ONLY}: no such step (${steps.map((s) => s.name).join(', ')})`);
  for (const step of steps) {
    const t = Date.now();
    try {
      await step.run(page);
      if (step.file && (!ONLY || ONLY === step.name)) {
        // Let the workbench finish the layout and animation the step started; the picture is
        // for people, not an assertion.
        await page.waitForTimeout(500);
        const file = join(OUT, step.file);
        await page.screenshot({ path: file });
        log(`${step.name}: ${step.what} -> ${file} (${elapsed(t)})`);
      } else {
        log(`${step.name}: ${step.what} (${elapsed(t)})`);
      }
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
  if (!NO_LAB && existsSync(LAB_KUBECONFIG) && !flag('--keep-deployed')) removeCanary(failed);
  await session?.stop();
}
log(failed ? 'failed' : `done; look at every picture in ${OUT} before committing it`);
process.exit(failed ? 1 : 0);
