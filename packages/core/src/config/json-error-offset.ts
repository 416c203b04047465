const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const LITERALS = ['true', 'false', 'null'];

class SyntaxAt {
  constructor(readonly offset: number) {}
}

/**
 * The offset of the first JSON syntax error in `text`, or null when it parses. V8's own messages quote
 * the surrounding text (which may hold an API key) and do not always give a position, so the position is
 * found here instead.
 */
export function jsonErrorOffset(text: string): number | null {
  let i = 0;
  const skipWhitespace = () => {
    while (i < text.length && WHITESPACE.has(text[i]!)) i++;
  };
  const expect = (char: string) => {
    if (text[i] !== char) throw new SyntaxAt(i);
    i++;
  };
  const string = () => {
    expect('"');
    while (i < text.length && text[i] !== '"') {
      const char = text[i]!;
      if (char < ' ') throw new SyntaxAt(i);
      if (char === '\\') {
        i++;
        const escaped = text[i];
        if (escaped === 'u') {
          for (let digit = 0; digit < 4; digit++) {
            i++;
            if (!/^[0-9a-fA-F]$/.test(text[i] ?? '')) throw new SyntaxAt(i);
          }
        } else if (escaped === undefined || !'"\\/bfnrt'.includes(escaped)) {
          throw new SyntaxAt(i);
        }
      }
      i++;
    }
    expect('"');
  };
  const isDigit = (char: string | undefined) => char !== undefined && char >= '0' && char <= '9';
  const digits = () => {
    if (!isDigit(text[i])) throw new SyntaxAt(i);
    while (isDigit(text[i])) i++;
  };
  const number = () => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else digits();
    if (text[i] === '.') {
      i++;
      digits();
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      digits();
    }
  };
  const value = (): void => {
    skipWhitespace();
    const char = text[i];
    if (char === '{') members('}', member);
    else if (char === '[') members(']', value);
    else if (char === '"') string();
    else if (char === '-' || isDigit(char)) number();
    else literal();
  };
  const member = () => {
    skipWhitespace();
    string();
    skipWhitespace();
    expect(':');
    value();
  };
  const literal = () => {
    const word = LITERALS.find((candidate) => text.startsWith(candidate, i));
    if (!word) throw new SyntaxAt(i);
    i += word.length;
  };
  const members = (close: string, member: () => void) => {
    i++;
    skipWhitespace();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      member();
      skipWhitespace();
      if (text[i] === close) {
        i++;
        return;
      }
      expect(',');
    }
  };
  try {
    value();
    skipWhitespace();
    return i < text.length ? i : null;
  } catch (error) {
    if (error instanceof SyntaxAt) return error.offset;
    throw error;
  }
}

/** 1-based line and column of an offset, as editors show them. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}
