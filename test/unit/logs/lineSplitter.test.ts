import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter, TRUNCATION_MARKER } from '../../../src/core/logs';

function splitAll(chunks: (string | Buffer)[], max?: number): string[] {
  const s = new LineSplitter(max !== undefined ? { maxLineLength: max } : {});
  const out: string[] = [];
  for (const c of chunks) out.push(...s.push(c));
  out.push(...s.flush());
  return out;
}

const SAMPLE = 'I1125 16:48:49.1 1 a.go:1] first\r\nsecond line — ünïcödé 日本語 🚀\n\nE1125 x\r\nlast without newline';
const EXPECTED = ['I1125 16:48:49.1 1 a.go:1] first', 'second line — ünïcödé 日本語 🚀', '', 'E1125 x', 'last without newline'];

describe('LineSplitter', () => {
  test('splits on \\n and \\r\\n, keeps empty lines, flushes the last line', () => {
    assert.deepEqual(splitAll([SAMPLE]), EXPECTED);
  });

  test('string chunk boundary at every position gives the same lines', () => {
    for (let i = 0; i <= SAMPLE.length; i++) {
      assert.deepEqual(splitAll([SAMPLE.slice(0, i), SAMPLE.slice(i)]), EXPECTED, `split at ${i}`);
    }
  });

  test('byte chunk boundary at every position (UTF-8 multi-byte characters split) gives the same lines', () => {
    const bytes = Buffer.from(SAMPLE, 'utf8');
    for (let i = 0; i <= bytes.length; i++) {
      assert.deepEqual(splitAll([bytes.subarray(0, i), bytes.subarray(i)]), EXPECTED, `split at byte ${i}`);
    }
  });

  test('every pair of byte boundaries (three chunks)', () => {
    const bytes = Buffer.from(SAMPLE, 'utf8');
    for (let i = 0; i <= bytes.length; i += 3) {
      for (let j = i; j <= bytes.length; j += 5) {
        assert.deepEqual(splitAll([bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)]), EXPECTED, `split at ${i},${j}`);
      }
    }
  });

  test('one byte at a time', () => {
    const bytes = Buffer.from(SAMPLE, 'utf8');
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i++) chunks.push(bytes.subarray(i, i + 1));
    assert.deepEqual(splitAll(chunks), EXPECTED);
  });

  test('CRLF split between \\r and \\n', () => {
    assert.deepEqual(splitAll(['a\r', '\nb\r', '\n']), ['a', 'b']);
  });

  test('a lone \\r stays in the line', () => {
    assert.deepEqual(splitAll(['progress 10%\rprogress 20%\n']), ['progress 10%\rprogress 20%']);
  });

  test('a 4-byte emoji split in every way across Uint8Array chunks', () => {
    const bytes = new Uint8Array(Buffer.from('x🚀y\n', 'utf8'));
    for (let i = 0; i <= bytes.length; i++) {
      assert.deepEqual(splitAll([Buffer.from(bytes.subarray(0, i)), Buffer.from(bytes.subarray(i))]), ['x🚀y']);
    }
    const s = new LineSplitter();
    assert.deepEqual([...s.push(bytes.subarray(0, 2)), ...s.push(bytes.subarray(2))], ['x🚀y']);
  });

  test('a long line is cut with a marker and the rest dropped; memory stays bounded', () => {
    const s = new LineSplitter({ maxLineLength: 10 });
    const out: string[] = [];
    for (let i = 0; i < 1000; i++) {
      out.push(...s.push('abcdefghij'));
      assert.ok(s.pendingLength <= 11, `pending ${s.pendingLength}`);
    }
    out.push(...s.push('tail\nnext\n'));
    assert.deepEqual(out, ['abcdefghij' + TRUNCATION_MARKER, 'next']);
    assert.equal(s.truncatedLines, 1);
  });

  test('a long complete line in one chunk is cut too; a line of exactly the cap is kept', () => {
    assert.deepEqual(splitAll(['0123456789ABC\n0123456789\n'], 10), ['0123456789' + TRUNCATION_MARKER, '0123456789']);
    assert.deepEqual(splitAll(['0123456789\r\n'], 10), ['0123456789']);
    assert.deepEqual(splitAll(['0123456789', '\r\n'], 10), ['0123456789']);
  });

  test('the cut does not split a surrogate pair', () => {
    const [line] = splitAll(['abcdefghi🚀zzzz\n'], 10);
    assert.equal(line, 'abcdefghi' + TRUNCATION_MARKER);
  });

  test('flush resets; an empty stream gives nothing', () => {
    const s = new LineSplitter();
    assert.deepEqual(s.flush(), []);
    assert.deepEqual(s.push('a'), []);
    assert.deepEqual(s.flush(), ['a']);
    assert.deepEqual(s.flush(), []);
  });

  test('rejects a bad maxLineLength', () => {
    assert.throws(() => new LineSplitter({ maxLineLength: 0 }), RangeError);
  });
});
