/**
 * The EC2 and STS endpoint (one port; the SigV4 scope's service says which): reads the form, checks the
 * signature, the credentials and the region, the Action and its parameters against the model, applies
 * injected faults, runs the action and answers in the model's output shape, or in the service's error
 * format with its status.
 */
import type http from 'node:http';
import type { Credentials, Identity } from './credentials';
import { AwsError } from './errors';
import { EC2_ACTIONS } from './ec2/actions';
import type { Ec2Services } from './ec2/context';
import { requestId } from './ids';
import type { ServiceModel } from './model';
import { parseForm, readInput } from './query-input';
import { readScope, SignatureError, verifySignature } from './sigv4';
import { stsAction } from './sts';
import { ec2ErrorXml, queryErrorXml, writeOutput } from './xml-output';

export interface QueryDeps {
  svc: Ec2Services;
  sts: ServiceModel;
  credentials: Credentials;
  log: (msg: string) => void;
}

const MAX_BODY = 1024 * 1024;

export function readBody(req: http.IncomingMessage, limit = MAX_BODY): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new AwsError('RequestEntityTooLarge', `The request body is larger than ${limit} bytes.`, 413));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function authError(
  service: 'ec2' | 'sts',
  kind: 'unknown' | 'mismatch' | 'expired' | 'skewed' | 'token' | 'malformed' | 'missing',
  detail = '',
): AwsError {
  if (service === 'sts') {
    switch (kind) {
      case 'unknown':
      case 'token':
        return new AwsError(
          'InvalidClientTokenId',
          'The security token included in the request is invalid.',
          403,
        );
      case 'expired':
        return new AwsError('ExpiredToken', 'The security token included in the request is expired', 400);
      case 'missing':
        return new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
      case 'malformed':
        return new AwsError('IncompleteSignature', detail, 400);
      case 'skewed':
        return new AwsError(
          'SignatureDoesNotMatch',
          'Signature expired: the request time is too far from the current time.',
          403,
        );
      default:
        return new AwsError(
          'SignatureDoesNotMatch',
          'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
          403,
        );
    }
  }
  switch (kind) {
    case 'unknown':
    case 'token':
      return new AwsError('AuthFailure', 'AWS was not able to validate the provided access credentials', 401);
    case 'expired':
    case 'skewed':
      return new AwsError('RequestExpired', 'Request has expired.', 400);
    case 'missing':
      return new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 401);
    case 'malformed':
      return new AwsError('IncompleteSignature', detail, 400);
    default:
      return new AwsError(
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
        403,
      );
  }
}

async function authenticate(
  deps: QueryDeps,
  req: http.IncomingMessage,
  body: Buffer,
): Promise<{ identity: Identity; region: string; service: 'ec2' | 'sts' }> {
  let scope;
  try {
    scope = readScope(req.headers);
  } catch (e) {
    if (e instanceof SignatureError)
      throw authError(
        'ec2',
        e.failure.kind === 'missing' ? 'missing' : 'malformed',
        e.failure.kind === 'malformed' ? e.failure.detail : '',
      );
    throw e;
  }
  if (scope.service !== 'ec2' && scope.service !== 'sts') {
    throw new AwsError(
      'IncompleteSignature',
      `Credential should be scoped to a valid service: 'ec2' or 'sts', not '${scope.service}'.`,
      400,
    );
  }
  const service = scope.service;
  if (service === 'ec2' && !deps.svc.config.regions.includes(scope.region)) {
    throw new AwsError(
      'AuthFailure',
      `Credential should be scoped to a valid region, not '${scope.region}'.`,
      401,
    );
  }
  const identity = deps.credentials.lookup(scope.accessKeyId);
  if (!identity) throw authError(service, 'unknown');
  if (identity.sessionToken !== undefined && req.headers['x-amz-security-token'] !== identity.sessionToken)
    throw authError(service, 'token');
  if (identity.expiration && identity.expiration.getTime() < Date.now()) throw authError(service, 'expired');
  try {
    await verifySignature(scope, {
      method: req.method ?? 'POST',
      url: req.url ?? '/',
      headers: req.headers,
      body,
      secretAccessKey: identity.secretAccessKey,
      sessionToken: identity.sessionToken,
      maxSkewMs: deps.svc.config.maxSkewSeconds * 1000,
    });
  } catch (e) {
    if (e instanceof SignatureError)
      throw authError(
        service,
        e.failure.kind === 'skewed' ? 'skewed' : e.failure.kind === 'malformed' ? 'malformed' : 'mismatch',
        e.failure.kind === 'malformed' ? e.failure.detail : '',
      );
    throw e;
  }
  return { identity, region: scope.region, service };
}

export async function handleQuery(
  deps: QueryDeps,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const id = requestId();
  let service: 'ec2' | 'sts' = 'ec2';
  try {
    const body = await readBody(req);
    const auth = await authenticate(deps, req, body);
    service = auth.service;
    const q = (req.url ?? '/').indexOf('?');
    const formText =
      req.method === 'GET' ? (q < 0 ? '' : (req.url ?? '').slice(q + 1)) : body.toString('utf8');
    const params = parseForm(formText);
    const model = service === 'ec2' ? deps.svc.model : deps.sts;
    const action = params.get('Action');
    if (!action) throw new AwsError('MissingAction', 'The request must contain the parameter Action');
    if (params.get('Version') !== model.metadata.apiVersion) {
      throw new AwsError(
        'NoSuchVersion',
        `An invalid or unsupported Version (${params.get('Version') ?? ''}) was given; this endpoint speaks ${model.metadata.apiVersion}.`,
      );
    }
    if (!model.operations[action])
      throw new AwsError('InvalidAction', `The action ${action} is not valid for this web service.`);
    let input: object;
    try {
      input = readInput(model, action, params);
    } catch (e) {
      // The query services (STS) name a constraint failure ValidationError.
      if (service === 'sts' && e instanceof AwsError && e.code === 'InvalidParameterValue')
        throw new AwsError('ValidationError', e.message, 400);
      throw e;
    }
    deps.svc.faults.check(service, action, auth.region);
    let result: Record<string, unknown>;
    if (service === 'sts') {
      result = stsAction(deps.svc.config, deps.svc.store, auth.identity, action, input);
    } else {
      const handler = EC2_ACTIONS[action];
      if (!handler)
        throw new AwsError(
          'UnsupportedOperation',
          `The action ${action} is valid EC2 but the stand-in does not implement it.`,
        );
      if ((input as { DryRun?: boolean }).DryRun === true)
        throw new AwsError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
      result = await handler({
        svc: deps.svc,
        identity: auth.identity,
        account: auth.identity.account,
        region: auth.region,
        input,
      });
    }
    const xml = writeOutput(model, action, result, id);
    res.writeHead(200, { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': id });
    res.end(xml);
    deps.log(`${service} ${auth.region} ${auth.identity.account} ${action} 200`);
  } catch (err) {
    const e =
      err instanceof AwsError
        ? err
        : new AwsError(
            service === 'sts' ? 'InternalFailure' : 'InternalError',
            'An internal error has occurred',
            500,
          );
    if (!(err instanceof AwsError))
      deps.log(`${service} ${req.method} ${req.url}: ${(err as Error).stack ?? String(err)}`);
    else deps.log(`${service} error ${e.status} ${e.code}: ${e.message}`);
    const xml =
      service === 'sts'
        ? queryErrorXml(e.code, e.message, e.status, id, deps.sts.metadata.xmlNamespace ?? '')
        : ec2ErrorXml(e.code, e.message, id);
    res.writeHead(e.status, { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': id });
    res.end(xml);
  }
}
