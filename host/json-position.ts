// Where a JSON text first breaks the grammar, and that place as a line, a column and an
// excerpt with a caret: V8's JSON.parse message does not always give an offset. Used by
// host/json-file.ts for every program that reads an input file.

/**
 * Offset of the first syntax error in `text` (V8's JSON.parse message does not always give
 * one), or -1 if it is valid JSON.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const str = (): void => {
    for (i++; ; i++) {
      if (i >= text.length || text.charCodeAt(i) < 32) fail();
      if (text[i] === '"') return void i++;
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) i += 4;
        else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      }
    }
  };
  const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
  const list = (close: string, item: () => void): void => {
    i++;
    ws();
    if (text[i] === close) return void i++;
    for (;;) {
      item();
      ws();
      if (text[i] === close) return void i++;
      if (text[i] !== ',') fail();
      i++;
    }
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      list('}', () => {
        ws();
        if (text[i] !== '"') fail();
        str();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
      });
    } else if (c === '[') list(']', value);
    else if (c === '"') str();
    else {
      const word = ['true', 'false', 'null'].find((w) => text.startsWith(w, i));
      if (word) {
        i += word.length;
        return;
      }
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) fail();
      i += m![0].length;
    }
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
    return -1;
  } catch (at) {
    if (typeof at === 'number') return at;
    throw at;
  }
}

/** `line 3, column 5` plus the offending line and a caret under the column. */
export function describeJsonPosition(text: string, offset: number): { where: string; excerpt: string } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const column = offset - lineStart + 1;
  const end = text.indexOf('\n', lineStart);
  const source = text
    .slice(lineStart, end < 0 ? undefined : end)
    .replace(/\t/g, ' ')
    .replace(/\r$/, '');
  return { where: `line ${line}, column ${column} (offset ${offset})`, excerpt: `  ${source}\n  ${' '.repeat(column - 1)}^` };
}
