// Duplicate keys (JSON.parse keeps the last one silently) are refused with their JSON path.
import { describe, expect, it } from 'vitest';
import { findDuplicateKey } from '../../src/engine/sheet/json-diagnostics';
import { readSheet } from '../../src/engine/sheet/format';

const error = (text: string): string => {
  const r = readSheet(text, { source: 'f.json' });
  if (r.ok) throw new Error('expected a refusal');
  return r.error;
};

describe('duplicate JSON keys', () => {
  it('"cells" twice is refused at cells, naming the file once (the first list would be lost)', () => {
    const e = error('{"gradsheet": 1, "cells": [{"at": "A1", "formula": "1"}], "cells": []}');
    expect(e).toMatch(/^f\.json: cells: the field "cells" is given twice/);
    expect(e.split('f.json').length - 1).toBe(1);
  });

  it('"at" twice in a cell is refused at cells[1].at', () => {
    const e = error('{"gradsheet": 1, "cells": [{"at": "A1", "formula": "1"}, {"at": "A2", "formula": "2", "at": "A3"}]}');
    expect(e).toMatch(/^f\.json: cells\[1\]\.at: the field "at" is given twice/);
  });

  it('keys equal after unescaping are duplicates; equal keys in different objects are not', () => {
    expect(findDuplicateKey('{"a": {"at": 1, "a\\u0074": 2}}')).toMatchObject({ path: 'a.at', key: 'at' });
    expect(findDuplicateKey('{"a": {"x": 1}, "b": {"x": 1}, "c": [{"x": 1}, {"x": 2}]}')).toBeNull();
    expect(findDuplicateKey('{"s": "\\"cells\\"", "cells": 1}')).toBeNull();
    expect(findDuplicateKey('{"weird key": 1, "weird key": 2}')).toMatchObject({ path: '["weird key"]' });
    expect(findDuplicateKey('{"x": [[1, 2], {"k": [{"q": 1, "q": 1}]}]}')).toMatchObject({ path: 'x[1].k[0].q' });
  });

  it('deep nesting does not overflow the stack', () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    expect(findDuplicateKey(deep)).toBeNull();
  });
});
