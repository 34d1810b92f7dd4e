/** An error as the AWS service answers it: the vendor's error code, its message and HTTP status. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** The usual statuses of the codes EC2 answers with, where they are not 400. */
export const STATUS_OF_CODE: Record<string, number> = {
  AuthFailure: 401,
  SignatureDoesNotMatch: 403,
  UnauthorizedOperation: 403,
  InvalidClientTokenId: 403,
  AccessDenied: 403,
  DryRunOperation: 412,
  InternalError: 500,
  InternalFailure: 500,
  ServiceUnavailable: 503,
  Unavailable: 503,
  RequestLimitExceeded: 503,
};

export function invalidValue(value: string, name: string, why = ''): AwsError {
  return new AwsError(
    'InvalidParameterValue',
    `Value (${value}) for parameter ${name} is invalid.${why ? ' ' + why : ''}`,
  );
}
