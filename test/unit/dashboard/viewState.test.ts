import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { COLUMNS, DashboardModel, emptyViewState, mergeSnapshot, rowsForRange } from '../../../src/core/dashboard';

const input = (ready: number) => ({ nodes: { ready, notReady: 0, unknown: 0 }, pods: { pending: 0, running: ready, succeeded: 0, failed: 0, unknown: 0 } });
const READY = COLUMNS.indexOf('nodes.ready');

describe('the webview copy of the history', () => {
  test('incremental snapshots append only new rows; an overlapping one is not doubled', () => {
    const m = new DashboardModel();
    m.sample(input(1), 1000);
    m.sample(input(2), 2000);
    let s = mergeSnapshot(emptyViewState(), m.snapshot(0));
    assert.deepEqual(s.fine.values[READY], [1, 2]);
    m.sample(input(3), 3000);
    s = mergeSnapshot(s, m.snapshot(s.seq));
    assert.deepEqual(s.fine.values[READY], [1, 2, 3]);
    // The same rows again (a resend after the view came back): nothing doubles.
    s = mergeSnapshot(s, m.snapshot(1));
    assert.deepEqual(s.fine.values[READY], [1, 2, 3]);
    assert.equal(s.seq, 3);
    // Missing values travel as null (JSON has no NaN).
    assert.equal(s.fine.values[COLUMNS.indexOf('latency.GET.p99')]?.[0], null);
    // The state survives JSON (what setState stores).
    assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
  });

  test('bounded like the model, and reset drops the old history', () => {
    const m = new DashboardModel({ fineRows: 3 });
    let s = emptyViewState();
    for (let i = 1; i <= 5; i++) {
      m.sample(input(i), i * 1000);
      s = mergeSnapshot(s, m.snapshot(s.seq));
    }
    assert.deepEqual(s.fine.times, [3000, 4000, 5000]);
    const fresh = new DashboardModel();
    fresh.sample(input(9), 9000);
    s = mergeSnapshot(s, fresh.snapshot(0), true);
    assert.deepEqual(s.fine.values[READY], [9]);
  });

  test('a range takes the fine rows inside it, and the session adds older coarse rows', () => {
    const m = new DashboardModel({ fineRows: 120 });
    for (let t = 0; t < 300; t++) m.sample(input(t), t * 1000);
    const s = mergeSnapshot(emptyViewState(), m.snapshot(0));
    const last5 = rowsForRange(s, 5);
    assert.deepEqual(last5.times, [294_000, 295_000, 296_000, 297_000, 298_000, 299_000]);
    const session = rowsForRange(s, 0);
    assert.deepEqual(session.times.slice(0, 3), [0, 60_000, 120_000], 'coarse minutes before the first fine row');
    assert.equal(session.times[3], 180_000);
    assert.equal(session.times.length, 3 + 120);
    // A minute that overlaps the fine rows is not shown twice.
    const m2 = new DashboardModel({ fineRows: 90 });
    for (let t = 0; t < 300; t++) m2.sample(input(t), t * 1000);
    const s2 = mergeSnapshot(emptyViewState(), m2.snapshot(0));
    assert.deepEqual(rowsForRange(s2, 0).times.slice(0, 4), [0, 60_000, 120_000, 210_000], 'the 180 s minute overlaps the fine rows from 210 s');
  });
});
