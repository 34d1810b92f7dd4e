/**
 * EC2 calls of the browse paging test (browse-paging.test.ts), through the real SDK (only the test support
 * and the stand-ins' own tests may use it): AMIs registered from one snapshot, and DescribeImages pages.
 */
import { DescribeImagesCommand, type DescribeImagesRequest, RegisterImageCommand } from '@aws-sdk/client-ec2';
import type { AwsStandin } from './aws-standin';

/** Registers one AMI per name from `snapshotId`, one after another; answers their IDs. */
export async function registerAmis(
  st: AwsStandin,
  region: string,
  snapshotId: string,
  names: string[],
): Promise<string[]> {
  const ec2 = st.ec2('operator', region);
  const ids: string[] = [];
  for (const name of names) {
    const out = await ec2.send(
      new RegisterImageCommand({
        Name: name,
        Architecture: 'x86_64',
        RootDeviceName: '/dev/xvda',
        VirtualizationType: 'hvm',
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snapshotId } }],
      }),
    );
    ids.push(out.ImageId ?? '');
  }
  return ids;
}

/** One DescribeImages answer of the operator's: the AMI IDs and NextToken. */
export async function describeImages(
  st: AwsStandin,
  region: string,
  input: DescribeImagesRequest,
): Promise<{ ids: string[]; next?: string }> {
  const out = await st.ec2('operator', region).send(new DescribeImagesCommand(input));
  return {
    ids: (out.Images ?? []).map((i) => i.ImageId ?? ''),
    ...(out.NextToken ? { next: out.NextToken } : {}),
  };
}
