/**
 * The command line of the generators: `[--format FORMAT] [--output FILE]`, writing FILE or printing. A
 * wrong command line prints the usage and exits with 2.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

export function runGenerator<F extends string>(
  name: string,
  renderers: Record<F, () => string>,
  defaultFormat: NoInfer<F>,
  argv: string[] = process.argv.slice(2),
): void {
  const formats = Object.keys(renderers) as F[];
  const usage = `usage: ${name} [--format ${formats.join('|')}] [--output FILE]`;
  let values: { format?: string; output?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        format: { type: 'string' },
        output: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    process.stderr.write(`${name}: ${(err as Error).message}\n${usage}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const format = (values.format ?? defaultFormat) as F;
  if (!formats.includes(format)) {
    process.stderr.write(`${name}: unknown format "${format}"\n${usage}\n`);
    process.exit(2);
  }
  const rendered = renderers[format]();
  if (values.output) writeFileSync(values.output, rendered);
  else process.stdout.write(rendered);
}
