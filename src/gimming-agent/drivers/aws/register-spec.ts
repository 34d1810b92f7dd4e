/**
 * How an image's properties (OpenStack's names, as Glance and Nova read them) become the parameters of
 * EC2's RegisterImage, and back when EC2 describes an AMI. The table is in doc/source/admin/aws.rst.
 */
import { GimmingError } from '../../../common/errors';

export interface RegisterPlan {
  Architecture: 'x86_64' | 'arm64' | 'i386';
  BootMode?: 'uefi' | 'legacy-bios';
  EnaSupport?: boolean;
  RootDeviceName: string;
  TpmSupport?: 'v2.0';
  VirtualizationType: 'hvm';
}

const ARCHITECTURES: Record<string, RegisterPlan['Architecture']> = {
  x86_64: 'x86_64',
  amd64: 'x86_64',
  aarch64: 'arm64',
  arm64: 'arm64',
  i386: 'i386',
  i686: 'i386',
};
const FIRMWARE: Record<string, RegisterPlan['BootMode']> = { uefi: 'uefi', bios: 'legacy-bios' };
export const DEFAULT_ROOT_DEVICE = '/dev/xvda';

function refuse(message: string): GimmingError {
  return new GimmingError('gimming.cloud.unsupported_property', 400, message);
}

function flag(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^(true|yes|1|on)$/i.test(value)) return true;
  if (/^(false|no|0|off)$/i.test(value)) return false;
  throw refuse(`Property ${name} must be true or false.`);
}

/** The RegisterImage parameters an image's properties ask for; refuses what EC2 cannot run. */
export function registerPlan(props: Record<string, string>): RegisterPlan {
  const arch = props.hw_architecture || props.architecture || 'x86_64';
  const Architecture = ARCHITECTURES[arch.toLowerCase()];
  if (!Architecture)
    throw refuse(`EC2 runs no images of architecture ${arch.slice(0, 32)} (hw_architecture).`);
  const firmware = props.hw_firmware_type;
  let BootMode: RegisterPlan['BootMode'];
  if (firmware) {
    BootMode = FIRMWARE[firmware.toLowerCase()];
    if (!BootMode)
      throw refuse(`EC2 boots no firmware ${firmware.slice(0, 32)} (hw_firmware_type: uefi or bios).`);
  }
  if (Architecture === 'arm64') {
    // EC2's arm64 instances boot UEFI only.
    if (BootMode === 'legacy-bios') throw refuse('EC2 boots arm64 images with UEFI only (hw_firmware_type).');
    BootMode = 'uefi';
  }
  let EnaSupport = flag(props.aws_ena_support, 'aws_ena_support');
  if (EnaSupport === undefined && props.hw_vif_model) EnaSupport = props.hw_vif_model.toLowerCase() === 'ena';
  // Every arm64 instance type has ENA networking only.
  if (EnaSupport === undefined && Architecture === 'arm64') EnaSupport = true;
  const RootDeviceName = props.root_device_name || DEFAULT_ROOT_DEVICE;
  if (!/^\/dev\/(xvd[a-z]|sd[a-z]\d{0,2}|nvme0n1)$/.test(RootDeviceName)) {
    throw refuse(
      `EC2 takes no root device ${RootDeviceName.slice(0, 32)} (root_device_name: /dev/xvda, /dev/sda1).`,
    );
  }
  let TpmSupport: RegisterPlan['TpmSupport'];
  if (props.hw_tpm_version) {
    if (props.hw_tpm_version !== '2.0') throw refuse('EC2 offers TPM 2.0 only (hw_tpm_version).');
    if (BootMode !== 'uefi') throw refuse('EC2 offers a TPM to UEFI images only (hw_firmware_type=uefi).');
    TpmSupport = 'v2.0';
  }
  return {
    Architecture,
    ...(BootMode ? { BootMode } : {}),
    ...(EnaSupport !== undefined ? { EnaSupport } : {}),
    RootDeviceName,
    ...(TpmSupport ? { TpmSupport } : {}),
    VirtualizationType: 'hvm',
  };
}

const BACK_ARCH: Record<string, string> = { x86_64: 'x86_64', arm64: 'aarch64', i386: 'i686' };

/** The properties an AMI's own fields stand for, in OpenStack's names (for a copy out of EC2). */
export function propertiesOf(ami: {
  Architecture?: string;
  BootMode?: string;
  EnaSupport?: boolean;
  RootDeviceName?: string;
  TpmSupport?: string;
}): Record<string, string> {
  const props: Record<string, string> = {};
  const arch = ami.Architecture ? BACK_ARCH[ami.Architecture] : undefined;
  if (arch) props.hw_architecture = arch;
  if (ami.BootMode === 'uefi') props.hw_firmware_type = 'uefi';
  else if (ami.BootMode === 'legacy-bios') props.hw_firmware_type = 'bios';
  if (ami.EnaSupport !== undefined) props.aws_ena_support = String(ami.EnaSupport);
  if (ami.RootDeviceName) props.root_device_name = ami.RootDeviceName;
  if (ami.TpmSupport === 'v2.0') props.hw_tpm_version = '2.0';
  return props;
}
