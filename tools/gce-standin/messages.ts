/**
 * The Compute Engine v1 messages as @google-cloud/compute ships them (build/protos/protos.json), so that
 * request bodies and query parameters are checked against the vendor's definitions and not against what
 * our driver happens to send, and every answer is checked to hold only fields the messages define.
 *
 * JSON follows proto3's mapping as the REST API speaks it: lowerCamelCase names, 64-bit integers as
 * strings (numbers accepted on input), enums by name, maps as objects.
 */
import { createRequire } from 'node:module';
import protobuf from 'protobufjs';
import { badRequest, GoogleApiError } from './errors';

const PACKAGE = 'google.cloud.compute.v1.';
const INT_TYPES = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);
const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

let root: protobuf.Root | undefined;

function computeRoot(): protobuf.Root {
  if (!root) {
    const require = createRequire(__filename);
    const path = require.resolve('@google-cloud/compute/build/protos/protos.json');
    root = protobuf.Root.fromJSON(require(path) as protobuf.INamespace);
  }
  return root;
}

export function messageType(name: string): protobuf.Type {
  return computeRoot().lookupType(PACKAGE + name);
}

/** The REST binding of a method of a Compute service: its body field and path parameters. */
export function httpRule(service: string, method: string): { body?: string; pathParams: string[] } {
  const m = computeRoot().lookupService(PACKAGE + service).methods[method];
  if (!m) throw new Error(`no method ${service}.${method}`);
  const opts = (m.options ?? {}) as Record<string, string>;
  const path =
    opts['(google.api.http).get'] ??
    opts['(google.api.http).post'] ??
    opts['(google.api.http).delete'] ??
    opts['(google.api.http).patch'] ??
    '';
  return {
    body: opts['(google.api.http).body'],
    pathParams: [...path.matchAll(/\{(\w+)\}/g)].map((x) => x[1] ?? ''),
  };
}

const camel = (s: string): string => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function fieldOf(type: protobuf.Type, key: string): protobuf.Field | undefined {
  return type.fields[key] ?? type.fieldsArray.find((f) => camel(f.name) === key);
}

/**
 * Checks a JSON value against a message type; `where` names it in errors the way GCE does
 * (`resource.rawDisk.source`). Throws a 400 in GCE's shape for an unknown field or a wrong type.
 */
export function checkMessage(type: protobuf.Type, value: unknown, where: string, fail = inputError): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw fail(`Invalid JSON payload received. '${where}' is not an object of type ${type.name}.`);
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const f = fieldOf(type, key);
    const at = where ? `${where}.${key}` : key;
    if (!f)
      throw fail(
        `Invalid JSON payload received. Unknown name "${key}" at '${where || type.name}': Cannot find field.`,
      );
    if (v === null) continue;
    f.resolve();
    if (f.map) {
      if (typeof v !== 'object' || Array.isArray(v))
        throw fail(`Invalid JSON payload received. '${at}' is not a map.`);
      for (const [k, mv] of Object.entries(v as Record<string, unknown>))
        checkScalar(f, mv, `${at}[${k}]`, fail);
    } else if (f.repeated) {
      if (!Array.isArray(v)) throw fail(`Invalid JSON payload received. '${at}' is not a list.`);
      v.forEach((item, i) => checkScalar(f, item, `${at}[${i}]`, fail));
    } else checkScalar(f, v, at, fail);
  }
}

function checkScalar(f: protobuf.Field, v: unknown, at: string, fail: (m: string) => GoogleApiError): void {
  const bad = (what: string) =>
    fail(`Invalid JSON payload received. Invalid value at '${at}' (${what}), ${JSON.stringify(v)}`);
  if (f.resolvedType instanceof protobuf.Type) return checkMessage(f.resolvedType, v, at, fail);
  if (f.resolvedType instanceof protobuf.Enum) {
    if (typeof v !== 'string' || !(v in f.resolvedType.values))
      throw bad(`type.googleapis.com/${f.resolvedType.fullName.slice(1)}`);
    return;
  }
  if (f.type === 'string') {
    if (typeof v !== 'string') throw bad('TYPE_STRING');
  } else if (f.type === 'bool') {
    if (typeof v !== 'boolean') throw bad('TYPE_BOOL');
  } else if (INT_TYPES.has(f.type) || LONG_TYPES.has(f.type)) {
    const ok = (typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && /^-?\d+$/.test(v));
    if (!ok) throw bad(`TYPE_${f.type.toUpperCase()}`);
    if (f.type.startsWith('u') && String(v).startsWith('-')) throw bad(`TYPE_${f.type.toUpperCase()}`);
  } else if (f.type === 'double' || f.type === 'float') {
    if (typeof v !== 'number') throw bad('TYPE_DOUBLE');
  } else if (f.type === 'bytes') {
    if (typeof v !== 'string') throw bad('TYPE_BYTES');
  }
}

function inputError(message: string): GoogleApiError {
  return badRequest(message, 'invalid');
}

function outputError(message: string): GoogleApiError {
  return new GoogleApiError(
    500,
    `gce-standin answered a field its message does not define: ${message}`,
    'backendError',
  );
}

/** An answer, checked against its message type (a defect of the stand-in is a 500, never a silent extra field). */
export function answer<T>(typeName: string, value: T): T {
  checkMessage(messageType(typeName), value, '', outputError);
  return value;
}

/**
 * The query parameters of a call, checked against the method's request message: every parameter that is
 * neither a path parameter nor the body must be a field of it (plus the system parameters `$alt`,
 * `alt`, `prettyPrint`, `$prettyPrint`, `fields`, `key`, `quotaUser`, `userIp`).
 */
export function checkQuery(
  service: string,
  method: string,
  requestType: string,
  query: URLSearchParams,
): Record<string, string> {
  const rule = httpRule(service, method);
  const type = messageType(requestType);
  const out: Record<string, string> = {};
  for (const [k, v] of query) {
    if (['$alt', 'alt', 'prettyPrint', '$prettyPrint', 'fields', 'key', 'quotaUser', 'userIp'].includes(k))
      continue;
    const f = fieldOf(type, k);
    if (!f || rule.pathParams.includes(f.name) || camel(f.name) === camel(rule.body ?? ''))
      throw badRequest(
        `Invalid JSON payload received. Unknown name "${k}": Cannot bind query parameter. Field '${k}' could not be found in request message.`,
      );
    out[camel(f.name)] = v;
  }
  return out;
}

/** Loads the definitions now, so the first request does not pay for it. */
export function preload(): void {
  computeRoot();
}

/** The names of an enum of the Compute messages (`DeprecationStatus.State`), UNDEFINED_* left out. */
export function enumNames(name: string): string[] {
  return Object.keys(computeRoot().lookupEnum(PACKAGE + name).values).filter(
    (n) => !n.startsWith('UNDEFINED'),
  );
}
