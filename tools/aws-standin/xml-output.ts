/**
 * Writes answers as the services do, from the model's output shapes (botocore/parsers.py is the reference
 * for how the SDKs read them). ec2: `<OpResponse xmlns=...><requestId/>members</OpResponse>`, members
 * named by their locationName, list items by their member's locationName (`item`). query (STS):
 * `<OpResponse><OpResult>members</OpResult><ResponseMetadata><RequestId/></ResponseMetadata></OpResponse>`,
 * list items `member`. A value the shape has no member for is a bug in the stand-in and throws, so the
 * stand-in can only answer what the real service could.
 */
import { shapeOf, type MemberRef, type ServiceModel, type Shape } from './model';

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

class Writer {
  readonly parts: string[] = [];
  constructor(private readonly model: ServiceModel) {}

  structure(shape: Shape, value: Record<string, unknown>, where: string): void {
    const members = shape.members ?? {};
    for (const key of Object.keys(value)) {
      if (!(key in members)) throw new Error(`output ${where} has no member ${key}`);
    }
    for (const [name, ref] of Object.entries(members)) {
      const v = value[name];
      if (v === undefined || v === null) continue;
      this.member(ref, ref.locationName ?? name, v, `${where}.${name}`);
    }
  }

  private member(ref: MemberRef, tag: string, v: unknown, where: string): void {
    const shape = shapeOf(this.model, ref.shape);
    if (shape.type === 'list') {
      if (!Array.isArray(v)) throw new Error(`output ${where} must be a list`);
      const itemRef = shape.member!;
      if (shape.flattened || ref.flattened) {
        for (const item of v) this.member(itemRef, tag, item, where);
        return;
      }
      const itemTag = itemRef.locationName ?? (this.model.metadata.protocol === 'ec2' ? 'item' : 'member');
      this.parts.push(`<${tag}>`);
      for (const item of v) this.member(itemRef, itemTag, item, where);
      this.parts.push(`</${tag}>`);
      return;
    }
    this.parts.push(`<${tag}>`);
    if (shape.type === 'structure') {
      if (typeof v !== 'object' || Array.isArray(v)) throw new Error(`output ${where} must be a structure`);
      this.structure(shape, v as Record<string, unknown>, where);
    } else {
      this.parts.push(escapeXml(scalarText(shape, ref.shape, v, where)));
    }
    this.parts.push(`</${tag}>`);
  }
}

function scalarText(shape: Shape, shapeName: string, v: unknown, where: string): string {
  switch (shape.type) {
    case 'string':
      if (typeof v !== 'string') throw new Error(`output ${where} must be a string`);
      if (shape.enum && !shape.enum.includes(v))
        throw new Error(`output ${where}: ${v} is not in ${shapeName}`);
      return v;
    case 'integer':
    case 'long':
    case 'double':
    case 'float':
      if (typeof v !== 'number') throw new Error(`output ${where} must be a number`);
      return String(v);
    case 'boolean':
      if (typeof v !== 'boolean') throw new Error(`output ${where} must be a boolean`);
      return v ? 'true' : 'false';
    case 'timestamp':
      if (!(v instanceof Date)) throw new Error(`output ${where} must be a Date`);
      return v.toISOString();
    case 'blob':
      if (!Buffer.isBuffer(v)) throw new Error(`output ${where} must be a Buffer`);
      return v.toString('base64');
    default:
      throw new Error(`output ${where}: type ${shape.type} unsupported`);
  }
}

/** The XML answer of an operation, its body built from `result` against the output shape. */
export function writeOutput(
  model: ServiceModel,
  operation: string,
  result: Record<string, unknown>,
  requestId: string,
): string {
  const op = model.operations[operation];
  if (!op) throw new Error(`no operation ${operation}`);
  const ns = model.metadata.xmlNamespace ?? '';
  const w = new Writer(model);
  if (op.output) w.structure(shapeOf(model, op.output.shape), result, operation);
  else if (Object.keys(result).length) throw new Error(`${operation} has no output`);
  const body = w.parts.join('');
  if (model.metadata.protocol === 'ec2') {
    return `<?xml version="1.0" encoding="UTF-8"?>\n<${operation}Response xmlns="${ns}/"><requestId>${requestId}</requestId>${body}</${operation}Response>`;
  }
  const wrapper = op.output?.resultWrapper ?? `${operation}Result`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<${operation}Response xmlns="${ns}">` +
    `<${wrapper}>${body}</${wrapper}>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`
  );
}

/** EC2's error document. */
export function ec2ErrorXml(code: string, message: string, requestId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(code)}</Code>` +
    `<Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`
  );
}

/** The query protocol's (STS) error document. */
export function queryErrorXml(
  code: string,
  message: string,
  status: number,
  requestId: string,
  ns: string,
): string {
  const type = status >= 500 ? 'Receiver' : 'Sender';
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${ns}"><Error><Type>${type}</Type>` +
    `<Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}
