/**
 * Reads a Query API request (form parameters) into the operation's input shape, as strictly as the
 * service: botocore/serialize.py is the reference for the names. For the ec2 protocol a member is named
 * by its queryName, else its locationName capitalized, else its own name, and every list is flattened
 * (`Name.N`); for the query protocol (STS) a member is named by its locationName or its name and lists
 * are `Name.member.N`. An unknown parameter, a missing required one, a value of the wrong type or
 * outside the model's enum, length or range is refused with the service's own error code.
 */
import { AwsError } from './errors';
import { shapeOf, type MemberRef, type ServiceModel, type Shape } from './model';

type Tree = { value?: string; children: Map<string, Tree> };

function buildTree(params: Map<string, string>): Tree {
  const root: Tree = { children: new Map() };
  for (const [key, value] of params) {
    let node = root;
    for (const part of key.split('.')) {
      let next = node.children.get(part);
      if (!next) {
        next = { children: new Map() };
        node.children.set(part, next);
      }
      node = next;
    }
    node.value = value;
  }
  return root;
}

export function serializedName(model: ServiceModel, ref: MemberRef, memberName: string): string {
  if (model.metadata.protocol === 'ec2') {
    if (ref.queryName) return ref.queryName;
    if (ref.locationName) return ref.locationName[0]!.toUpperCase() + ref.locationName.slice(1);
    return memberName;
  }
  return ref.locationName ?? memberName;
}

class Reader {
  constructor(private readonly model: ServiceModel) {}

  /** Parameters the services themselves read, outside the operation's shape. */
  static readonly ENVELOPE = new Set(['Action', 'Version']);

  structure(shape: Shape, node: Tree, path: string, top: boolean): Record<string, unknown> {
    if (node.value !== undefined && node.children.size === 0 && !top) {
      throw new AwsError('InvalidParameterValue', `The parameter ${path} must be a structure, not a value.`);
    }
    const byName = new Map<string, [string, MemberRef]>();
    for (const [name, ref] of Object.entries(shape.members ?? {})) {
      byName.set(serializedName(this.model, ref, name), [name, ref]);
    }
    const out: Record<string, unknown> = {};
    for (const [key, child] of node.children) {
      if (top && Reader.ENVELOPE.has(key)) continue;
      const full = path ? `${path}.${key}` : key;
      const found = byName.get(key);
      if (!found) throw new AwsError('UnknownParameter', `The parameter ${full} is not recognized`);
      const [name, ref] = found;
      out[name] = this.value(ref, child, full);
    }
    for (const name of shape.required ?? []) {
      if (out[name] === undefined) {
        const ref = shape.members![name]!;
        const wire = serializedName(this.model, ref, name);
        throw new AwsError(
          'MissingParameter',
          `The request must contain the parameter ${path ? `${path}.${wire}` : wire}`,
        );
      }
    }
    return out;
  }

  private value(ref: MemberRef, node: Tree, path: string): unknown {
    const shape = shapeOf(this.model, ref.shape);
    switch (shape.type) {
      case 'structure':
        return this.structure(shape, node, path, false);
      case 'list':
        return this.list(shape, node, path);
      case 'map':
        throw new AwsError(
          'UnsupportedOperation',
          `The parameter ${path} (a map) is not supported by the stand-in.`,
        );
      default:
        if (node.children.size > 0) {
          throw new AwsError(
            'UnknownParameter',
            `The parameter ${path}.${[...node.children.keys()][0]} is not recognized`,
          );
        }
        return scalar(shape, ref.shape, node.value ?? '', path);
    }
  }

  private list(shape: Shape, node: Tree, path: string): unknown[] {
    let items = node;
    if (this.model.metadata.protocol !== 'ec2' && !shape.flattened && node.children.size > 0) {
      const memberName = shape.member?.locationName ?? 'member';
      const inner = node.children.get(memberName);
      if (!inner || node.children.size !== 1) {
        const bad = [...node.children.keys()].find((k) => k !== memberName)!;
        throw new AwsError('UnknownParameter', `The parameter ${path}.${bad} is not recognized`);
      }
      items = inner;
    }
    if (node.children.size === 0) {
      // An empty list is sent as the bare name with an empty value.
      if ((node.value ?? '') !== '')
        throw new AwsError('InvalidParameterValue', `The parameter ${path} must be a list.`);
      return [];
    }
    const indexed: [number, Tree][] = [];
    for (const [key, child] of items.children) {
      if (!/^[1-9]\d{0,5}$/.test(key)) {
        throw new AwsError(
          'InvalidParameterValue',
          `The parameter ${path}.${key} is not a valid list index.`,
        );
      }
      indexed.push([Number(key), child]);
    }
    indexed.sort((a, b) => a[0] - b[0]);
    const out = indexed.map(([i, child]) => this.value(shape.member!, child, `${path}.${i}`));
    if (shape.min !== undefined && out.length < shape.min)
      throw new AwsError('InvalidParameterValue', `The parameter ${path} needs at least ${shape.min} items.`);
    if (shape.max !== undefined && out.length > shape.max)
      throw new AwsError('InvalidParameterValue', `The parameter ${path} takes at most ${shape.max} items.`);
    return out;
  }
}

function scalar(shape: Shape, shapeName: string, raw: string, path: string): unknown {
  const bad = (why: string) =>
    new AwsError('InvalidParameterValue', `Invalid value '${raw}' for ${path}. ${why}`);
  switch (shape.type) {
    case 'string':
      if (shape.enum && !shape.enum.includes(raw)) {
        throw bad(`Valid values: ${shape.enum.join(', ')}.`);
      }
      if (shape.min !== undefined && raw.length < shape.min)
        throw bad(`It must be at least ${shape.min} characters long.`);
      if (shape.max !== undefined && raw.length > shape.max)
        throw bad(`It must be at most ${shape.max} characters long.`);
      if (shape.pattern && !matchesPattern(shape.pattern, raw)) throw bad(`It must match ${shape.pattern}.`);
      return raw;
    case 'integer':
    case 'long': {
      if (!/^-?\d{1,19}$/.test(raw)) throw bad(`It must be an integer (${shapeName}).`);
      const n = Number(raw);
      if (shape.type === 'integer' && (n > 2147483647 || n < -2147483648)) throw bad('It is out of range.');
      if (shape.min !== undefined && n < shape.min) throw bad(`It must be at least ${shape.min}.`);
      if (shape.max !== undefined && n > shape.max) throw bad(`It must be at most ${shape.max}.`);
      return n;
    }
    case 'double':
    case 'float': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw bad('It must be a number.');
      return n;
    }
    case 'boolean':
      if (raw !== 'true' && raw !== 'false') throw bad('It must be true or false.');
      return raw === 'true';
    case 'timestamp': {
      const t = /^\d+(\.\d+)?$/.test(raw) ? new Date(Number(raw) * 1000) : new Date(raw);
      if (Number.isNaN(t.getTime())) throw bad('It must be an ISO 8601 timestamp.');
      return t;
    }
    case 'blob':
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(raw)) throw bad('It must be base64.');
      return Buffer.from(raw, 'base64');
    default:
      throw bad(`Unsupported type ${shape.type}.`);
  }
}

const patterns = new Map<string, RegExp | null>();

/** The model's patterns are Java's; one JavaScript cannot compile is not enforced. */
function matchesPattern(pattern: string, raw: string): boolean {
  let re = patterns.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(`^(?:${pattern})$`, 'u');
    } catch {
      re = null;
    }
    patterns.set(pattern, re);
  }
  return re === null || re.test(raw);
}

/** Splits a form body (application/x-www-form-urlencoded) into its parameters; a repeated name is refused. */
export function parseForm(body: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const pair of body.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    let key: string;
    let value: string;
    try {
      key = decode(eq < 0 ? pair : pair.slice(0, eq));
      value = eq < 0 ? '' : decode(pair.slice(eq + 1));
    } catch {
      throw new AwsError('MalformedQueryString', 'The query string is not properly URL-encoded.');
    }
    if (params.has(key))
      throw new AwsError('InvalidParameterCombination', `The parameter ${key} is given more than once.`);
    params.set(key, value);
  }
  return params;
}

/** The operation's input, checked against its shape. */
export function readInput(
  model: ServiceModel,
  operation: string,
  params: Map<string, string>,
): Record<string, unknown> {
  const op = model.operations[operation];
  if (!op) throw new Error(`no operation ${operation}`);
  const root = buildTree(params);
  if (!op.input) {
    const extra = [...root.children.keys()].find((k) => !Reader.ENVELOPE.has(k));
    if (extra) throw new AwsError('UnknownParameter', `The parameter ${extra} is not recognized`);
    return {};
  }
  return new Reader(model).structure(shapeOf(model, op.input.shape), root, '', true);
}
