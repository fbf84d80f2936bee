// The workspace settings `npm run lab` (scripts/lab-main.mjs) writes: the lab's workers and
// masters contexts are selected on first start only, when the workspace does not name any yet;
// a context the user set later (in settings.json, or "" to select none) is kept. A selection
// made in the Kubemark view is the extension's own (workspace state) and wins over both.
export const LAB_WORKERS_CONTEXT = 'kubemark-lab-workers';
export const LAB_MASTERS_CONTEXT = 'kubemark-lab-masters';

/**
 * The workspace settings to write, from those already there (undefined when the file is
 * missing or not plain JSON). Returns { settings, selected: [keys set now] }.
 */
export function labWorkspaceSettings(previous) {
  const settings = { ...(previous && typeof previous === 'object' && !Array.isArray(previous) ? previous : {}) };
  const selected = [];
  for (const [key, value] of [['kubemark.workersContext', LAB_WORKERS_CONTEXT], ['kubemark.mastersContext', LAB_MASTERS_CONTEXT]]) {
    if (Object.prototype.hasOwnProperty.call(settings, key)) continue;
    settings[key] = value;
    selected.push(key);
  }
  return { settings, selected };
}
