/**
 * Reads ini text the way oslo.config does, so that a gimming.conf means what an OpenStack operator
 * expects: comments are whole lines starting with `#` or `;` (a `#` or `;` inside a value is part of it:
 * passwords keep them), `key = value` or `key: value`, matching surrounding quotes are removed, an
 * indented line continues the value above, and a group may appear more than once (later values win).
 */
export class IniError extends Error {}

export function parseIni(text: string): Record<string, Record<string, string>> {
  const groups: Record<string, Record<string, string>> = Object.create(null) as Record<
    string,
    Record<string, string>
  >;
  let group: Record<string, string> | undefined;
  let last: { group: Record<string, string>; key: string } | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    if (raw.trim() === '') {
      last = undefined;
      return;
    }
    if (/^[#;]/.test(raw)) return;
    if (/^\s/.test(raw)) {
      if (!last) throw new IniError(`line ${lineNo}: unexpected continuation line`);
      last.group[last.key] = `${last.group[last.key] ?? ''}\n${raw.trim()}`;
      return;
    }
    const line = raw.trimEnd();
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      const name = (header[1] as string).trim();
      if (name === '') throw new IniError(`line ${lineNo}: empty group name`);
      group = groups[name] ??= Object.create(null) as Record<string, string>;
      last = undefined;
      return;
    }
    const sep = line.search(/[=:]/);
    if (sep <= 0) throw new IniError(`line ${lineNo}: expected "key = value"`);
    const key = line.slice(0, sep).trim();
    let value = line.slice(sep + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value[value.length - 1] === value[0]) {
      value = value.slice(1, -1);
    }
    if (!group) throw new IniError(`line ${lineNo}: option "${key}" is outside any [group]`);
    group[key] = value;
    last = { group, key };
  });
  return groups;
}
