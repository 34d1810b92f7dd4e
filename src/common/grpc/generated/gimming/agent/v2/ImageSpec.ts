// Original file: protos/gimming/agent/v2/agent.proto

export interface ImageSpec {
  name?: string;
  disk_format?: string;
  container_format?: string;
  visibility?: string;
  min_disk?: number;
  min_ram?: number;
  properties?: { [key: string]: string };
  tags?: string[];
}

export interface ImageSpec__Output {
  name: string;
  disk_format: string;
  container_format: string;
  visibility: string;
  min_disk: number;
  min_ram: number;
  properties: { [key: string]: string };
  tags: string[];
}
