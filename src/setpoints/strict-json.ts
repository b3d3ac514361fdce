// JSON.parse keeps the last of two equal keys; a signed command must not mean two things, so a command with a
// repeated key is refused before it is parsed. This scans the text once (strings, escapes, nesting) and reports the
// first key that appears twice in one object. Anything JSON.parse would refuse is left to JSON.parse.
export function firstDuplicateKey(text: string): string | undefined {
  const stack: Array<Set<string> | undefined> = []; // undefined marks an array
  let expectKey = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      let value = '';
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\') {
          value += text.slice(j, j + 2);
          j += 2;
        } else value += text[j++];
      }
      const top = stack[stack.length - 1];
      if (expectKey && top) {
        let key: string;
        try {
          key = JSON.parse(`"${value}"`) as string;
        } catch {
          return undefined;
        }
        if (top.has(key)) return key;
        top.add(key);
        expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (c === '{') {
      stack.push(new Set());
      expectKey = true;
    } else if (c === '[') stack.push(undefined);
    else if (c === '}' || c === ']') {
      stack.pop();
      expectKey = false;
    } else if (c === ',') expectKey = stack[stack.length - 1] !== undefined;
    i++;
  }
  return undefined;
}
