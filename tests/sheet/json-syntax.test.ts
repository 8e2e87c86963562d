// Syntax errors in JSON text located by line and column (src/engine/sheet/json-diagnostics.ts).
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { findJsonSyntaxError } from '../../src/engine/sheet/format';
import { SCALE, readError } from './helpers';

describe('readSheet: text that is not JSON', () => {
  it('readSheet names the line and column of a stray comma', () => {
    const text = '{\n  "gradsheet": 1,\n  "cells": [,]\n}';
    expect(readError(text)).toBe("not valid JSON at line 3, column 13: expected a value, found ','");
  });

  it('readSheet points at a trailing comma in an object and in a list', () => {
    expect(readError('{"gradsheet": 1, "cells": [],}')).toMatch(/^not valid JSON at line 1, column 30: .*trailing comma/);
    expect(readError('{"gradsheet": 1, "cells": [1,]}')).toMatch(/^not valid JSON at line 1, column 30: .*trailing comma/);
  });

  it('readSheet reports a missing colon, an unclosed string, a raw line break in a string and a bad escape', () => {
    expect(readError('{"gradsheet" 1}')).toBe("not valid JSON at line 1, column 14: expected ':' after a property name, found '1'");
    expect(readError('{"gradsheet": 1, "title": "abc')).toBe('not valid JSON at line 1, column 27: a string that is never closed');
    expect(readError('{\n"title": "a\nb"}')).toMatch(/^not valid JSON at line 2, column 12: U\+000A inside a string/);
    expect(readError('["\\x"]')).toMatch(/^not valid JSON at line 1, column 3: unknown escape/);
    expect(readError('["\\u12"]')).toMatch(/^not valid JSON at line 1, column 3: expected four hex digits/);
  });

  it('readSheet reports malformed numbers, unknown words and text after the value', () => {
    expect(readError('[01]')).toBe('not valid JSON at line 1, column 2: a malformed number');
    expect(readError('[1.]')).toBe('not valid JSON at line 1, column 2: a malformed number');
    expect(readError('[NaN]')).toBe("not valid JSON at line 1, column 2: expected a value, found 'N'");
    expect(readError('{} {}')).toBe("not valid JSON at line 1, column 4: unexpected '{' after the end of the JSON value");
  });

  it('readSheet reports an unfinished file at its end', () => {
    expect(readError('{"gradsheet": 1,\n "cells": [')).toBe('not valid JSON at line 2, column 12: expected a value, found the end of the text');
  });

  it('readSheet refuses empty text and binary garbage with a message', () => {
    expect(readError('')).toBe('not valid JSON: the text is empty');
    expect(readError(' \n\t ')).toBe('not valid JSON: the text is empty');
    expect(readError('\u0000\u0001\u00ff')).toBe('not valid JSON at line 1, column 1: expected a value, found U+0000');
  });

  it('findJsonSyntaxError agrees with JSON.parse on what is valid JSON', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string(), fc.json().map((j) => j.slice(0, -1)), fc.json().map((j) => j + ',')), (text) => {
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        expect(findJsonSyntaxError(text) === null).toBe(valid);
      }),
      { numRuns: 500 * SCALE },
    );
  });
});
