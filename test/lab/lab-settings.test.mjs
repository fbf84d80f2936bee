// `npm run lab` selects the lab's contexts on first start only (scripts/lab-settings.mjs):
// plain logic, no lab needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labWorkspaceSettings } from '../../scripts/lab-settings.mjs';

test('first start (no settings file): both lab contexts are selected', () => {
  const r = labWorkspaceSettings(undefined);
  assert.deepEqual(r.settings, { 'kubemark.workersContext': 'kubemark-lab-workers', 'kubemark.mastersContext': 'kubemark-lab-masters' });
  assert.deepEqual(r.selected, ['kubemark.workersContext', 'kubemark.mastersContext']);
});

test('a later run keeps what the user chose since, and other settings', () => {
  const previous = { 'kubemark.workersContext': 'my-workers', 'kubemark.mastersContext': '', 'editor.tabSize': 2 };
  const r = labWorkspaceSettings(previous);
  assert.deepEqual(r.settings, previous);
  assert.deepEqual(r.selected, []);
});

test('only the context the workspace does not name yet is set', () => {
  const r = labWorkspaceSettings({ 'kubemark.mastersContext': 'prod-masters' });
  assert.deepEqual(r.settings, { 'kubemark.mastersContext': 'prod-masters', 'kubemark.workersContext': 'kubemark-lab-workers' });
  assert.deepEqual(r.selected, ['kubemark.workersContext']);
});

test('a settings file that is not an object is replaced by the first-start one', () => {
  assert.deepEqual(labWorkspaceSettings([1, 2]).selected, ['kubemark.workersContext', 'kubemark.mastersContext']);
});
