// The lab `npm test` shares between its cluster and VS Code suites: its own state folder
// and its own ports, never the default .kubemark-lab/ (nor $KUBEMARK_LAB_DIR) of a lab the
// user runs, and it stops and removes only what it started.
//
//   folder: $KUBEMARK_TEST_LAB_DIR, else <repo>/.kubemark-lab-test/shared
//   ports:  the defaults + $KUBEMARK_TEST_LAB_PORT_OFFSET (400)
//
// "Does a lab run there" is `kubemark-labctl status --json`'s exit code (0 running,
// 1 degraded, 3 stopped), the same rule as the Go side's. Running: used as it is and left
// running. Degraded: the folder is the tests' own, so it is brought down and up again.
// A lab in any other folder is never looked at.
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function testLabEnv(env = process.env) {
  return {
    KUBEMARK_LAB_DIR: resolve(env.KUBEMARK_TEST_LAB_DIR ?? join(repoRoot, '.kubemark-lab-test', 'shared')),
    KUBEMARK_LAB_PORT_OFFSET: env.KUBEMARK_TEST_LAB_PORT_OFFSET ?? '400',
  };
}

function run(cmd, args, env, { quiet = false } = {}) {
  return new Promise((res) => {
    const child = spawn(cmd, args, { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', quiet ? 'pipe' : 'inherit', quiet ? 'pipe' : 'inherit'] });
    let out = '';
    child.stdout?.on('data', (d) => { out += d; });
    child.on('close', (code, signal) => res({ code: code ?? (signal ? 1 : 0), out }));
  });
}

const labSh = join(repoRoot, 'lab', 'lab.sh');

/**
 * Starts the test lab unless one already runs in its folder (then it is used as it is, and
 * left running); a degraded one there is stopped and started again. Returns {env, started, createdDir, ok}: pass `env` to the suites and the
 * whole result to stopTestLab.
 */
export async function startTestLab({ log = console.log, processEnv = process.env } = {}) {
  const env = testLabEnv(processEnv);
  const createdDir = !existsSync(env.KUBEMARK_LAB_DIR);
  const st = await run('bash', [labSh, 'status', '--json'], env, { quiet: true });
  if (st.code === 0) {
    log(`a lab already runs in the test folder ${env.KUBEMARK_LAB_DIR}: using it, and leaving it running`);
    return { env, started: false, createdDir: false, ok: true };
  }
  if (st.code === 1) {
    // Degraded (lab.json there, the supervisor runs, some component is not running or not
    // healthy): the folder is the tests' own, so this lab is theirs too; start it afresh.
    log(`the test lab in ${env.KUBEMARK_LAB_DIR} runs but is degraded: it is the tests' own folder, so it is stopped (lab:down) and started again`);
    const down = await run('bash', [labSh, 'down'], env);
    if (down.code !== 0) return { env, started: true, createdDir: false, ok: false };
  }
  log(`starting the test lab in ${env.KUBEMARK_LAB_DIR} (port offset ${env.KUBEMARK_LAB_PORT_OFFSET})`);
  const up = await run('bash', [labSh, 'up'], env);
  // started even when up failed: up stops what it started; a lab it stopped and restarted is its own.
  return { env, started: true, createdDir, ok: up.code === 0 };
}

/** Stops the test lab if startTestLab started it; removes its folder if startTestLab made it. */
export async function stopTestLab(lab, { log = console.log } = {}) {
  if (!lab?.started) return;
  log(`stopping the test lab in ${lab.env.KUBEMARK_LAB_DIR}`);
  const r = await run('bash', [labSh, 'down'], lab.env);
  if (r.code === 0 && lab.createdDir) rmSync(lab.env.KUBEMARK_LAB_DIR, { recursive: true, force: true });
}
