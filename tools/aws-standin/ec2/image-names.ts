/** AMI names: EC2's character set and length, unique per account and region. */
import { AwsError } from '../errors';
import type { Ec2Call } from './context';

const NAME_RE = /^[A-Za-z0-9().\-/_ ]{3,128}$/;

export function checkImageName(call: Ec2Call, name: string, region = call.region): void {
  if (!NAME_RE.test(name)) {
    throw new AwsError(
      'InvalidAMIName.Malformed',
      "AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '.', '-', '/' and '_'",
    );
  }
  for (const img of call.svc.store.images.values()) {
    if (img.account === call.account && img.region === region && img.name === name) {
      throw new AwsError('InvalidAMIName.Duplicate', `AMI name ${name} is already in use by AMI ${img.id}`);
    }
  }
}
