// Original file: protos/gimming/agent/v1/agent.proto

import type {
  Progress as _gimming_agent_v1_Progress,
  Progress__Output as _gimming_agent_v1_Progress__Output,
} from '../../../gimming/agent/v1/Progress';
import type {
  StagedImport as _gimming_agent_v1_StagedImport,
  StagedImport__Output as _gimming_agent_v1_StagedImport__Output,
} from '../../../gimming/agent/v1/StagedImport';

export interface ImportEvent {
  progress?: _gimming_agent_v1_Progress | null;
  staged?: _gimming_agent_v1_StagedImport | null;
  event?: 'progress' | 'staged';
}

export interface ImportEvent__Output {
  progress?: _gimming_agent_v1_Progress__Output | null;
  staged?: _gimming_agent_v1_StagedImport__Output | null;
  event?: 'progress' | 'staged';
}
