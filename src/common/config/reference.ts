/**
 * The configuration reference (reStructuredText, doc/source/configuration/config.rst), rendered from the
 * schema like the sample file: every group and option with its type, default, limits, environment
 * variable and help text, each with a label other pages can link to (`config-<group>-<option>`).
 */
import { heading, label, literal, text, generatedBanner } from '../rst';
import { envName } from './load';
import { defaultText, typeName } from './sample';
import { type GroupSpec, type OptionSpec, composeSchema } from './schema';

/** The label of an option's entry: :ref:`config-agent-rpc-secrets` links to [agent] rpc_secrets. */
export function optionLabel(group: string, name: string): string {
  return label(`config-${group}-${name}`);
}

function typeText(spec: OptionSpec): string {
  if (Array.isArray(spec.format)) {
    return `string, one of ${(spec.format as readonly string[]).map(literal).join(', ')}`;
  }
  if (spec.format === 'oslo-port') return 'port number (0 to 65535)';
  if (spec.format === 'oslo-list') return 'list (comma-separated)';
  if (spec.format === 'oslo-bool') return 'boolean (true/1/on/yes or false/0/off/no)';
  return typeName(spec);
}

function option(group: string, name: string, spec: OptionSpec): string[] {
  const fields = [`:Type: ${typeText(spec)}`, `:Default: ${literal(defaultText(spec))}`];
  if (spec.min !== undefined) fields.push(`:Minimum: ${spec.min}`);
  if (spec.sensitive) fields.push(':Secret: yes');
  fields.push(`:Environment: ${literal(envName(group, name))}`);
  return [optionLabel(group, name), '', ...heading(text(name), '-'), '', ...fields, '', text(spec.doc), ''];
}

export function renderConfigReference(schema: Record<string, GroupSpec> = composeSchema()): string {
  const out = [
    ...generatedBanner('src/common/config/schema.ts', 'npm run genconfig'),
    '.. _config-reference:',
    '',
    ...heading('Configuration reference', '=', true),
    '',
    'Every option of ``gimming.conf``, group by group, with its type, its default, the environment',
    'variable that overrides it and its help text; the same as the sample file (:doc:`sample-config`). A',
    'daemon refuses to start on a group or option that is not listed here, or a value that does not fit',
    'its type or minimum.',
    '',
    '.. contents:: Groups',
    '   :local:',
    '   :depth: 1',
    '',
  ];
  for (const [group, options] of Object.entries(schema)) {
    out.push(label(`config-${group}`), '', ...heading(text(`[${group}]`), '='), '');
    for (const [name, spec] of Object.entries(options)) out.push(...option(group, name, spec));
  }
  while (out[out.length - 1] === '') out.pop();
  return `${out.join('\n')}\n`;
}
