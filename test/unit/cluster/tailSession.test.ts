// TailSession against scripted log streams: what reaches the sink after resets, idle streams,
// replaced pods and a stop. The sink is the test's array; nothing in the session keeps lines.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TailSession, normalizeTimestamp, timestampAt } from '../../../src/cluster/tailSession';
import { ClusterSession } from '../../../src/cluster/session';
import { Pods, TARGET, lines, running, ts } from './tailFixtures';
import { StreamHandlers } from '../../../src/cluster/http';
import { KubemarkError } from '../../../src/core/errors';
import { until } from './until';

interface FakeStream {
  path: string;
  query: Record<string, unknown>;
  h: StreamHandlers;
  aborted: boolean;
}

class FakeLogs {
  readonly streams: FakeStream[] = [];
  get last(): FakeStream {
    return this.streams[this.streams.length - 1]!;
  }
  get open(): number {
    return this.streams.filter((s) => !s.aborted && !(s as { closed?: boolean }).closed).length;
  }
  session(): ClusterSession {
    return {
      context: 'workers',
      http: {
        stream: (path: string, query: Record<string, unknown>, h: StreamHandlers) => {
          const s: FakeStream = { path, query, h, aborted: false };
          this.streams.push(s);
          return { abort: () => void (s.aborted = true) };
        },
      },
      explain: (err: unknown) => new KubemarkError(`Cannot reach workers: ${(err as Error).message}`),
    } as unknown as ClusterSession;
  }
  send(s: FakeStream, text: string): void {
    s.h.onData(Buffer.from(text));
  }
  h(s: FakeStream, bytes: Buffer): void {
    s.h.onData(bytes);
  }
  close(s: FakeStream, err?: unknown): void {
    (s as { closed?: boolean }).closed = true;
    s.h.onClose(err);
  }
}

function start(logs: FakeLogs, pods: Pods | undefined, out: string[], options = {}) {
  return new TailSession(logs.session(), TARGET, { append: (t) => out.push(...t.split('\n')) }, pods, { flushMs: 1, ...options }).start();
}

describe('TailSession', () => {
  test('asks for timestamps, strips them, filters noise and counts it', async () => {
    const logs = new FakeLogs();
    const out: string[] = [];
    const t = start(logs, new Pods(running('u1')), out);
    assert.equal(logs.last.query.timestamps, 'true');
    assert.equal(logs.last.query.follow, 'true');
    assert.equal(logs.last.query.tailLines, 200);
    logs.send(logs.last, `${ts(1)} I1201 kubelet started\n${ts(2)} E1201 Failed to ensure that nat chain KUBE-MARK-DROP exists\n`);
    await until('the line', () => lines(out).length === 1);
    assert.equal(lines(out)[0], 'I1201 kubelet started');
    assert.equal(t.summary().suppressed, 1);
    t.stop();
    assert.equal(logs.open, 0);
  });

  test('bytes: a character split across chunks stays whole, noise of many lines is counted per pattern, a number is not a timestamp', async () => {
    const logs = new FakeLogs();
    const out: string[] = [];
    const t = start(logs, new Pods(running('u1')), out);
    const noise = Array.from({ length: 50 }, (_, i) => `${ts(1, i + 1)} E1201 10:00:01.000000   7 eviction_manager.go:282] "Eviction manager: failed to get summary stats" err="x"\n`).join('');
    const text = Buffer.from(`${noise}${ts(2)} I1201 pod "wéb-0" started ✓\n${ts(3)} E1201 10:00:03.000000   7 x.go:1] real trouble\n25 apples\n1234-abc def\n2026-12-01-no-space\n`, 'utf8');
    // Split inside the two bytes of "é": each half alone is not valid UTF-8.
    const cut = text.indexOf(Buffer.from('é', 'utf8')) + 1;
    logs.h(logs.last, text.subarray(0, cut));
    logs.h(logs.last, text.subarray(cut));
    await until('the last line', () => lines(out).includes('2026-12-01-no-space'));
    assert.deepEqual(lines(out), [
      'I1201 pod "wéb-0" started ✓',
      '✖ E1201 10:00:03.000000   7 x.go:1] real trouble',
      '    ↳ klog-error: Error logged by the component that is not known kubemark noise: read it.',
      '25 apples', // a first word that is not an RFC 3339 timestamp stays
      '1234-abc def', // nor one that only starts like a date
      '2026-12-01-no-space',
    ]);
    const s = t.summary();
    assert.equal(s.suppressed, 50);
    assert.deepEqual(s.byPattern.find((p) => p.id === 'eviction-summary-stats')?.count, 50);
    assert.equal(s.errors, 1);
    t.stop();
  });

  test('a burst beyond the cap is counted, not shown, and its errors are still shown', async () => {
    const logs = new FakeLogs();
    const out: string[] = [];
    // A long flush interval: the whole burst lands in one batch.
    const t = start(logs, new Pods(running('u1')), out, { flushMs: 50, maxLinesPerFlush: 5, maxErrorsPerFlush: 2 });
    let text = '';
    for (let i = 0; i < 20; i++) text += `${ts(1, i + 1)} I1201 info ${i}\n`;
    text += `${ts(2, 1)} E1201 10:00:02.000000   7 x.go:1] first trouble\n${ts(2, 2)} I1201 info after\n${ts(2, 3)} E1201 10:00:02.000000   7 x.go:1] second trouble\n${ts(2, 4)} E1201 10:00:02.000000   7 x.go:1] third trouble\n`;
    logs.send(logs.last, text);
    await until('the batch', () => out.some((l) => l.startsWith('…')));
    const shown = lines(out);
    assert.deepEqual(shown.filter((l) => l.startsWith('I1201')), ['I1201 info 0', 'I1201 info 1', 'I1201 info 2', 'I1201 info 3', 'I1201 info 4']);
    assert.deepEqual(shown.filter((l) => l.startsWith('✖')), ['✖ E1201 10:00:02.000000   7 x.go:1] first trouble', '✖ E1201 10:00:02.000000   7 x.go:1] second trouble'], 'errors past the line cap, up to their own cap of 2');
    assert.equal(shown.filter((l) => l.includes('↳ klog-error')).length, 1, 'the hint, once per pattern as the formatter does');
    // 15 info lines of the 20, "info after" and the third error.
    assert.ok(shown.some((l) => l === '… 17 lines not shown (more than 5 at once, 1 of them error past the 2 errors shown at once; all were classified and counted)'), shown.join('\n'));
    const s = t.summary();
    assert.equal(s.errors, 3, 'every error is counted');
    assert.equal(s.linesSeen, 24);
    assert.equal(s.notShown, 17);
    t.stop();
    assert.ok(out.some((l) => /^── .*24 lines shown \(17 of the lines and errors only counted: bursts\)|17 of the lines and errors only counted/.test(l)), out.join('\n'));
  });

  test('the per-second caps hold for a second, not a flush: short flushes show no more; at +1 s, and after a quiet spell, lines show again', async () => {
    const logs = new FakeLogs();
    const out: string[] = [];
    let clock = 10_000;
    const t = start(logs, new Pods(running('u1')), out, { flushMs: 10, maxLinesPerSecond: 5, maxErrorsPerSecond: 1, now: () => clock });
    let n = 0;
    const send = async (text: string, lines: number) => {
      logs.send(logs.last, text);
      n += lines;
      await until(`line ${n} read`, () => t.summary().linesSeen === n);
    };
    // The clock stands still: four writes (several flushes of 10 ms go by) in one second of the caps.
    for (let k = 0; k < 4; k++) {
      let text = '';
      for (let i = 0; i < 5; i++) text += `${ts(1, k * 10 + i + 1)} I1201 info ${k}.${i}\n`;
      if (k === 3) text += `${ts(1, 40)} E1201 10:00:01.000000   7 x.go:1] trouble a\n${ts(1, 41)} E1201 10:00:01.000000   7 x.go:1] trouble b\n`;
      await send(text, k === 3 ? 7 : 5);
    }
    await until('the note', () => out.some((l) => l.includes('not shown') && l.includes('error')));
    const info = () => lines(out).filter((l) => l.startsWith('I1201'));
    assert.deepEqual(info(), ['I1201 info 0.0', 'I1201 info 0.1', 'I1201 info 0.2', 'I1201 info 0.3', 'I1201 info 0.4'], 'five lines in the second, over several flushes');
    assert.deepEqual(lines(out).filter((l) => l.startsWith('✖')), ['✖ E1201 10:00:01.000000   7 x.go:1] trouble a'], 'one error on top');
    // Flushes every 10 ms: how the writes fall into batches varies, the notes' sum does not.
    const notes = out.filter((l) => l.startsWith('… '));
    assert.match(notes.find((l) => l.includes('error')) ?? '', /^… \d+ lines not shown \(more than 5 a second, 1 of them error past the 1 error shown a second; all were classified and counted\)$/);
    assert.ok(notes.every((l) => /^… \d+ lines? not shown \(more than 5 a second[,;]/.test(l)), notes.join('\n'));
    assert.equal(notes.reduce((n, l) => n + Number(/^… (\d+)/.exec(l)![1]), 0), 16);
    assert.equal(t.summary().notShown, 16);
    clock += 999;
    await send(`${ts(2, 1)} I1201 still the same second\n`, 1);
    assert.equal(t.summary().notShown, 17, 'at +999 ms the cap still holds');
    clock += 1;
    await send(`${ts(2, 2)} I1201 next second\n`, 1);
    await until('the next second\'s line', () => info().includes('I1201 next second'));
    // Fill that second, then a quiet spell with no lines (flushes with nothing to write), then one line.
    let burst = '';
    for (let i = 0; i < 10; i++) burst += `${ts(2, 10 + i)} I1201 burst ${i}\n`;
    await send(burst, 10);
    clock += 60_000;
    await send(`${ts(3, 1)} I1201 after a quiet minute\n`, 1);
    await until('the line after the quiet spell', () => info().includes('I1201 after a quiet minute'));
    t.stop();
  });

  test('the note of lines not shown counts errors in the plural', async () => {
    const logs = new FakeLogs();
    const out: string[] = [];
    const t = start(logs, new Pods(running('u1')), out, { flushMs: 10, maxLinesPerSecond: 1, maxErrorsPerSecond: 2, now: () => 5_000 });
    let text = `${ts(1, 1)} I1201 shown\n`;
    for (let i = 0; i < 5; i++) text += `${ts(1, 10 + i)} E1201 10:00:01.000000   7 x.go:1] trouble ${i}\n`;
    logs.send(logs.last, text);
    await until('the note', () => out.some((l) => l.startsWith('… ')));
    assert.equal(out.find((l) => l.startsWith('… ')), '… 3 lines not shown (more than 1 a second, 3 of them errors past the 2 errors shown a second; all were classified and counted)');
    t.stop();
  });

  test('a hint whose error line was not shown is shown with the next one', async () => {
    const logs = new FakeLogs();
    const out: string[] = [];
    const t = start(logs, new Pods(running('u1')), out, { flushMs: 50, maxLinesPerFlush: 1, maxErrorsPerFlush: 0 });
    logs.send(logs.last, `${ts(1)} I1201 info\n${ts(2)} E1201 10:00:02.000000   7 x.go:1] dropped trouble\n`);
    await until('the first batch', () => out.some((l) => l.startsWith('…')));
    logs.send(logs.last, `${ts(3)} E1201 10:00:03.000000   7 x.go:1] shown trouble\n`);
    await until('the second error', () => lines(out).some((l) => l.includes('shown trouble')));
    const i = out.findIndex((l) => l.includes('shown trouble'));
    assert.match(out[i + 1] ?? '', /↳ klog-error/, 'its hint comes with the first error shown');
    t.stop();
  });

  test('the view keeps its header and about the last scrollbackLines lines; the counts cover all', async () => {
    const logs = new FakeLogs();
    let view: string[] = [];
    let replaced = 0;
    const sink = {
      append: (t: string) => void view.push(...t.split('\n')),
      clear: () => void (view = []),
      replace: (t: string) => {
        replaced++;
        view = t.split('\n');
      },
    };
    const t = new TailSession(logs.session(), TARGET, sink, new Pods(running('u1')), { flushMs: 1, scrollbackLines: 10 }).start();
    for (let i = 0; i < 60; i++) {
      logs.send(logs.last, `${ts(1, i + 1)} I1201 line ${i}\n`);
      await until(`line ${i}`, () => view.includes(`I1201 line ${i}`));
    }
    assert.ok(replaced >= 2, `cut back ${replaced} times`);
    assert.ok(view.length <= 2 + 1 + 20, `the view holds ${view.length} lines`);
    assert.match(view[0] ?? '', /^Following 1 container in workers/);
    const notice = view[2] ?? '';
    const removed = Number(/── (\d+) earlier lines? removed from this view \(it keeps about the last 10: setting kubemark.logs.scrollbackLines\); the counts cover every line/.exec(notice)?.[1]);
    const kept = view.filter((l) => l.startsWith('I1201 line '));
    assert.ok(kept.length >= 10, `at least the last 10 kept: ${kept.length}`);
    assert.deepEqual(kept, Array.from({ length: kept.length }, (_, k) => `I1201 line ${60 - kept.length + k}`), 'the last lines, in order');
    assert.equal(removed + kept.length, 60, `removed ${removed} + kept ${kept.length} are every line`);
    assert.equal(t.summary().passed, 60);
    t.stop();
  });

  test('a sink that cannot replace keeps every line', async () => {
    const logs = new FakeLogs();
    const out: string[] = [];
    const t = start(logs, new Pods(running('u1')), out, { scrollbackLines: 5 });
    for (let i = 0; i < 30; i++) logs.send(logs.last, `${ts(1, i + 1)} I1201 line ${i}\n`);
    await until('the last line', () => lines(out).includes('I1201 line 29'));
    assert.equal(lines(out).filter((l) => l.startsWith('I1201 line')).length, 30);
    t.stop();
  });

  test('a stream reset mid-line follows again from the last timestamp: no line lost, none doubled', async () => {
    const logs = new FakeLogs();
    const out: string[] = [];
    const t = start(logs, new Pods(running('u1')), out);
    const first = logs.last;
    logs.send(first, `${ts(1, 5)} line one\n${ts(2, 100)} line two\n${ts(2, 100)} line two twin\n${ts(3, 7)} line thr`);
    logs.close(first, Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    await until('a second stream', () => logs.streams.length === 2);
    assert.equal(logs.last.query.sinceTime, '2026-12-01T10:00:02Z', 'from the second of the last complete line');
    assert.equal(logs.last.query.tailLines, undefined);
    // The server sends the whole second again, then the rest.
    logs.send(logs.last, `${ts(2, 1)} earlier in that second\n${ts(2, 100)} line two\n${ts(2, 100)} line two twin\n${ts(3, 7)} line three\n${ts(4)} line four\n`);
    await until('line four', () => lines(out).includes('line four'));
    assert.deepEqual(lines(out), ['line one', 'line two', 'line two twin', 'line three', 'line four']);
    assert.ok(out.some((l) => /hollow-node-0\/hollow-kubelet: Cannot reach workers: read ECONNRESET; following again/.test(l)), out.join('\n'));
    assert.equal(logs.open, 1);
    t.stop();
  });

  test('an idle stream is replaced after the idle timeout, from where it was', async () => {
    const logs = new FakeLogs();
    const out: string[] = [];
    const t = start(logs, new Pods(running('u1')), out, { idleTimeoutMs: 30 });
    logs.last.h.onOpen?.();
    logs.send(logs.last, `${ts(5)} hello\n`);
    const first = logs.last;
    await until('the idle reconnect', () => logs.streams.length === 2);
    assert.ok(first.aborted, 'the silent stream is closed');
    assert.equal(logs.last.query.sinceTime, '2026-12-01T10:00:05Z');
    assert.equal(logs.open, 1);
    t.stop();
  });

  test('a replaced pod (new UID) is followed anew from its start; a deleted one is waited for on informer events', async () => {
    const logs = new FakeLogs();
    const out: string[] = [];
    const pods = new Pods(running('u1'));
    const t = start(logs, pods, out);
    logs.send(logs.last, `${ts(10)} old pod line\n`);
    pods.set(undefined); // deleted: the hanging stream is ended, no polling follows
    assert.ok(logs.last.aborted);
    await until('the note', () => out.some((l) => /pod gone; following again when it runs/.test(l)));
    assert.equal(logs.streams.length, 1, 'nothing opened while the pod is gone');
    pods.set({ ...running('u2', '2026-12-01T10:01:00Z'), phase: 'Pending', containers: [{ name: 'hollow-kubelet', ready: false, restarts: 0, state: 'ContainerCreating' }] });
    assert.equal(logs.streams.length, 1, 'still waiting for it to run');
    pods.set(running('u2', '2026-12-01T10:01:00Z'));
    assert.equal(logs.streams.length, 2);
    assert.equal(logs.last.query.sinceTime, '2026-12-01T10:01:00Z', 'everything the new pod wrote');
    // The new pod's lines may be older than the old pod's last one (clocks): all are shown.
    logs.send(logs.last, `${ts(3)} new pod line\n`);
    await until('the new pod line', () => lines(out).includes('new pod line'));
    assert.deepEqual(lines(out), ['old pod line', 'new pod line']);
    t.stop();
  });

  test('a pod replaced in the same turn as its last lines: they come first, and all the new pod\'s lines are shown', async () => {
    const logs = new FakeLogs();
    const out: string[] = [];
    const pods = new Pods(running('u1'));
    const t = start(logs, pods, out);
    logs.send(logs.last, `${ts(10)} old pod line\n`);
    pods.set(running('u2', '2026-12-01T10:01:00Z'));
    await until('the new pod followed', () => logs.streams.length === 2);
    // Older than the old pod's last line (the nodes' clocks differ): shown all the same.
    logs.send(logs.last, `${ts(3)} new pod line\n`);
    await until('the new pod line', () => lines(out).includes('new pod line'));
    assert.deepEqual(lines(out), ['old pod line', 'new pod line']);
    const iOld = out.indexOf('old pod line');
    const iNote = out.findIndex((l) => /pod replaced/.test(l));
    assert.ok(iOld !== -1 && iNote > iOld, out.join('\n'));
    t.stop();
  });

  test('a container that stopped is followed again when it runs again, with no duplicate', async () => {
    const logs = new FakeLogs();
    const out: string[] = [];
    const pods = new Pods(running('u1'));
    const t = start(logs, pods, out);
    logs.last.h.onOpen?.();
    logs.send(logs.last, `${ts(1)} a\n${ts(2)} b\n`);
    pods.pod = { ...running('u1'), containers: [{ name: 'hollow-kubelet', ready: false, restarts: 1, state: 'CrashLoopBackOff' }] };
    logs.close(logs.last); // the container exited: a clean end
    assert.equal(logs.streams.length, 1);
    pods.set({ ...running('u1'), restarts: 1 });
    assert.equal(logs.streams.length, 2);
    logs.send(logs.last, `${ts(2)} b\n${ts(3)} c\n`);
    await until('c', () => lines(out).includes('c'));
    assert.deepEqual(lines(out), ['a', 'b', 'c']);
    t.stop();
  });

  test('stop() ends every stream and writes the summary last; a stopped session writes nothing more', async () => {
    const logs = new FakeLogs();
    const out: string[] = [];
    const t = start(logs, new Pods(running('u1')), out);
    const s = logs.last;
    logs.send(s, `${ts(1)} a\n`);
    t.stop();
    await t.done;
    assert.ok(s.aborted);
    assert.equal(out[out.length - 1], '── stopped');
    assert.ok(out.some((l) => l.startsWith('── ') && /lines/.test(l)), 'a summary line');
    const before = out.length;
    // A late chunk or close of the aborted stream (a fake that ignores abort) adds nothing.
    s.h.onData(Buffer.from(`${ts(9)} late\n`));
    t.note('── late note');
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(out.length, before);
  });

  test('bytes: a character split across chunks arrives whole; many lines in one chunk are all classified; lines without a timestamp pass as they are', async () => {
    const logs = new FakeLogs();
    const out: string[] = [];
    const t = start(logs, new Pods(running('u1')), out);
    const line = Buffer.from(`${ts(1)} E1201 boom ✖ é\n`, 'utf8');
    const cut = line.indexOf(Buffer.from('✖')) + 1; // inside the 3-byte character
    logs.last.h.onData(line.subarray(0, cut));
    logs.last.h.onData(line.subarray(cut));
    const noise = Array.from({ length: 1000 }, (_, i) => `${ts(2, i + 1)} E1201 Failed to ensure that nat chain KUBE-MARK-DROP exists`).join('\n');
    logs.send(logs.last, `${noise}\nplain line without a timestamp\n${ts(3)} I1201 after\n`);
    await until('the last line', () => lines(out).includes('I1201 after'));
    assert.equal(lines(out).filter((l) => /E1201 boom ✖ é$/.test(l)).length, 1, out.join('\n'));
    assert.ok(lines(out).includes('plain line without a timestamp'));
    const s = t.summary();
    assert.equal(s.linesSeen, 1003);
    assert.equal(s.suppressed, 1000);
    t.stop();
  });

  test('a resumed stream that repeats the last timestamp with new text keeps the new lines only', async () => {
    const logs = new FakeLogs();
    const out: string[] = [];
    const t = start(logs, new Pods(running('u1')), out);
    logs.send(logs.last, `${ts(1)} a\n${ts(2, 5)} b\n`);
    logs.close(logs.last, new Error('reset'));
    await until('a second stream', () => logs.streams.length === 2);
    logs.send(logs.last, `${ts(1)} a\n${ts(2, 5)} b\n${ts(2, 5)} b2\n${ts(2, 5)} b\n${ts(3)} c\n`);
    await until('c', () => lines(out).includes('c'));
    assert.deepEqual(lines(out), ['a', 'b', 'b2', 'c']);
    t.stop();
  });

  test('chunks of one turn are read together; a close or a stop reads those not yet read', async () => {
    const logs = new FakeLogs();
    const out: string[] = [];
    // More than 100 lines within a second: no cap here (this test is about reading).
    const t = start(logs, new Pods(running('u1')), out, { maxLinesPerSecond: 10_000 });
    let writes = 0;
    const write = t.filter.write.bind(t.filter);
    t.filter.write = (chunk, source, onLine) => {
      writes++;
      write(chunk, source, onLine);
    };
    // An apiserver that sends each line as a chunk of its own: 100 chunks in one turn.
    for (let i = 1; i <= 100; i++) logs.send(logs.last, `${ts(1, i)} I1201 line ${i}\n`);
    assert.equal(writes, 0, 'read in a later turn, not chunk by chunk');
    await until('100 lines', () => lines(out).length === 100);
    assert.equal(writes, 1, 'the 100 chunks went to the filter as one');
    assert.deepEqual(lines(out), Array.from({ length: 100 }, (_, i) => `I1201 line ${i + 1}`));
    // A line, then the stream breaks in the same turn: the line is read before the break is
    // handled, so the follow starts again from its second, and it is shown once.
    logs.send(logs.last, `${ts(5, 1)} I1201 before the break\n`);
    logs.close(logs.last, new Error('reset'));
    await until('a second stream', () => logs.streams.length === 2, 5_000);
    assert.equal(logs.last.query.sinceTime, '2026-12-01T10:00:05Z');
    const iLine = out.indexOf('I1201 before the break');
    const iNote = out.findIndex((l) => /Cannot reach workers: reset; following again/.test(l));
    assert.ok(iLine !== -1 && iNote > iLine, `the line, then the note of the break:\n${out.slice(-4).join('\n')}`);
    logs.send(logs.last, `${ts(5, 1)} I1201 before the break\n${ts(6)} I1201 after\n`);
    await until('the line after', () => lines(out).includes('I1201 after'));
    assert.equal(lines(out).filter((l) => l === 'I1201 before the break').length, 1);
    // A line, then Stop in the same turn: the line is shown before the end.
    logs.send(logs.last, `${ts(7)} I1201 just before the stop\n`);
    t.stop();
    assert.ok(lines(out).includes('I1201 just before the stop'), out.join('\n'));
  });

  test('timestamps compare whatever their fraction length', () => {
    assert.ok(normalizeTimestamp('2026-12-01T10:00:25.1Z') > normalizeTimestamp('2026-12-01T10:00:25.09Z'));
    assert.equal(normalizeTimestamp('2026-12-01T10:00:25Z'), '2026-12-01T10:00:25.000000000Z');
  });

  test('a line\'s timestamp: the byte check of the normal form agrees with the general parse', () => {
    // The general parse alone (what timestampAt did before it had the byte check).
    const general = (word: string): string | undefined => {
      if (word.length < 4 || !/^\d/.test(word) || word[4] !== '-') return undefined;
      if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/.test(word)) return undefined;
      const n = normalizeTimestamp(word);
      return /^\d{4}-\d\d-\d\dT/.test(n) ? n : undefined;
    };
    const normal = '2026-12-01T10:00:25.123456789Z';
    const words = new Set([normal, '2026-12-01T10:00:25Z', '2026-12-01T10:00:25.12345678Z', '2026-12-01T10:00:25.1234567890Z',
      '2026-12-01T10:00:25.123456789+00:00', '2026-12-01T10:00:25.123456789z', '2026-12-01 10:00:25.123456789Z']);
    // Every byte of the normal form replaced, and the form cut or lengthened by one.
    for (let i = 0; i < normal.length; i++) {
      for (const c of ['0', '9', '/', ':', 'a', '-', '.', 'T', 'Z', ' ', '+', '\u00e9']) words.add(normal.slice(0, i) + c + normal.slice(i + 1));
      words.add(normal.slice(0, i) + normal.slice(i + 1));
    }
    words.add(`${normal}0`);
    let normalForms = 0;
    for (const word of words) {
      // Inside a longer buffer, at an offset, as the stream's lines are.
      const b = Buffer.from(`xx${word} text\n`, 'latin1');
      const got = timestampAt(b, 2, 2 + Buffer.byteLength(word, 'latin1'));
      assert.equal(got, general(word), JSON.stringify(word));
      if (got === word) normalForms++;
    }
    assert.ok(normalForms >= 40, `the byte check's own case was tried (${normalForms} words in the normal form)`);
  });
});
