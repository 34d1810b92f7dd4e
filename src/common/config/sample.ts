/**
 * The sample configuration file, rendered from the schema: every group and option, its help text, type
 * and default, commented out, in oslo-config-generator's layout.
 */
import { type GroupSpec, type OptionSpec, composeSchema } from './schema';
import { envName } from './load';

function wrap(text: string, width = 76): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** The option's type as the sample and the reference name it. */
export function typeName(spec: OptionSpec): string {
  if (Array.isArray(spec.format)) return `string, one of ${(spec.format as string[]).join(', ')}`;
  if (spec.choices) return `list of ${spec.choices.join(', ')}`;
  return {
    'oslo-bool': 'boolean',
    'oslo-int': 'integer',
    'oslo-port': 'port number',
    'oslo-list': 'list',
    'oslo-string': 'string',
  }[spec.format as string] as string;
}

/** The option's default as the sample writes it (`<None>` for none, lists comma-separated). */
export function defaultText(spec: OptionSpec): string {
  if (spec.sampleDefault !== undefined) return spec.sampleDefault;
  if (spec.default === null) return '<None>';
  if (Array.isArray(spec.default)) return spec.default.join(',');
  return String(spec.default);
}

export function renderSample(schema: Record<string, GroupSpec> = composeSchema()): string {
  const out: string[] = [];
  for (const [group, options] of Object.entries(schema)) {
    if (out.length > 0) out.push('');
    out.push(`[${group}]`);
    for (const [name, spec] of Object.entries(options as Record<string, OptionSpec>)) {
      out.push('');
      for (const line of wrap(spec.doc)) out.push(`# ${line}`);
      const extras = [typeName(spec)];
      if (spec.min !== undefined && spec.min > 0) extras.push(`minimum ${spec.min}`);
      if (spec.sensitive) extras.push('secret');
      out.push(`# (${extras.join('; ')}; environment ${envName(group, name)})`);
      out.push(`#${name} = ${defaultText(spec)}`);
    }
  }
  return `${out.join('\n')}\n`;
}
