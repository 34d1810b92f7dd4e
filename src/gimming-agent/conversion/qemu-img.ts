/**
 * qemu-img (Debian's qemu-utils) as child processes: its version (checked at start-up), what it says of
 * an image (`info`), and a conversion. Never through a shell: the arguments are an array, and every run
 * is killed when its signal aborts (a cancelled copy) or its time is up.
 */
import { execFile, spawn } from 'node:child_process';
import { GimmingError } from '../../common/errors';

/** What `qemu-img info --output=json` says of an image, as far as a conversion needs it. */
export interface QemuImgInfo {
  format: string;
  virtualSize: number;
  /** A backing file, an external data file or extents in other files: data from outside the image. */
  externalFiles: string[];
}

/** How long `--version` and `info` may take: they read headers only. */
const QUICK_TIMEOUT_MS = 60_000;

function run(
  path: string,
  args: string[],
  signal: AbortSignal | undefined,
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      path,
      args,
      {
        timeout: timeoutMs,
        maxBuffer: 4 * 1024 * 1024,
        killSignal: 'SIGKILL',
        ...(signal ? { signal } : {}),
      },
      (err, stdout, stderr) => {
        if (err) reject(Object.assign(err as Error, { stderr: String(stderr).slice(0, 2000) }));
        else resolve(String(stdout));
      },
    );
  });
}

/** The first line of `qemu-img --version`; throws a message that says which path did not run. */
export async function qemuImgVersion(path: string): Promise<string> {
  try {
    return (await run(path, ['--version'], undefined, 10_000)).split('\n')[0] ?? '';
  } catch (err) {
    throw new Error(
      `qemu-img does not run at ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): ` +
        'install qemu-utils or set [agent] qemu_img_path, or set [agent] image_conversion = false',
      { cause: err },
    );
  }
}

/** The files an image names besides itself (qemu-img info's JSON), for a refusal. */
function externalFiles(info: Record<string, unknown>, file: string): string[] {
  const found: string[] = [];
  for (const key of ['backing-filename', 'full-backing-filename']) {
    if (typeof info[key] === 'string') found.push(info[key]);
  }
  const specific = (info['format-specific'] as { data?: Record<string, unknown> } | undefined)?.data;
  if (typeof specific?.['data-file'] === 'string') found.push(specific['data-file']);
  const extents = Array.isArray(specific?.extents) ? (specific.extents as Array<{ filename?: unknown }>) : [];
  for (const extent of extents) {
    if (typeof extent.filename === 'string' && extent.filename !== file) found.push(extent.filename);
  }
  return found;
}

export async function qemuImgInfo(
  path: string,
  file: string,
  qemuFormat: string,
  signal?: AbortSignal,
): Promise<QemuImgInfo> {
  let text: string;
  try {
    text = await run(path, ['info', '--output=json', '-f', qemuFormat, file], signal, QUICK_TIMEOUT_MS);
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new GimmingError(
      'gimming.convert.unreadable',
      422,
      `The source is not a readable ${qemuFormat} image: ${qemuMessage(err)}`,
      { cause: err },
    );
  }
  const info = JSON.parse(text) as Record<string, unknown>;
  return {
    format: typeof info.format === 'string' ? info.format : '',
    virtualSize: typeof info['virtual-size'] === 'number' ? info['virtual-size'] : 0,
    externalFiles: externalFiles(info, file),
  };
}

/** What qemu-img said when it failed, on one line (its stderr names only the scratch files). */
export function qemuMessage(err: unknown): string {
  const stderr = (err as { stderr?: string }).stderr ?? '';
  const text = (stderr || (err as Error).message).replace(/\s+/g, ' ').trim();
  return text.length > 300 ? `${text.slice(0, 300)}...` : text || 'no reason given';
}

/** Options of the output format: EC2 and VMware import only stream-optimized VMDKs. */
const OUTPUT_OPTIONS: Readonly<Record<string, string[]>> = {
  vmdk: ['-o', 'subformat=streamOptimized'],
};

/**
 * Converts `src` (qemu format `from`) into `dst` (qemu format `to`); resolves once qemu-img exited 0.
 * Killed (SIGKILL) when `signal` aborts.
 */
export function qemuImgConvert(
  path: string,
  src: { file: string; format: string },
  dst: { file: string; format: string },
  signal: AbortSignal,
): Promise<void> {
  const args = ['convert', '-f', src.format, '-O', dst.format, ...(OUTPUT_OPTIONS[dst.format] ?? [])];
  return new Promise((resolve, reject) => {
    const child = spawn(path, [...args, src.file, dst.file], {
      stdio: ['ignore', 'ignore', 'pipe'],
      signal,
      killSignal: 'SIGKILL',
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      if (stderr.length < 4000) stderr += text;
    });
    child.once('error', (err) => reject(Object.assign(err, { stderr })));
    child.once('close', (code, sig) => {
      if (code === 0) resolve();
      else {
        const err = new Error(`qemu-img convert exited with ${code ?? sig ?? 'nothing'}`);
        reject(Object.assign(err, { stderr }));
      }
    });
  });
}
