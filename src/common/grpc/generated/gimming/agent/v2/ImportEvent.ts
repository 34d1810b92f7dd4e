// Original file: protos/gimming/agent/v2/agent.proto

import type {
  Progress as _gimming_agent_v2_Progress,
  Progress__Output as _gimming_agent_v2_Progress__Output,
} from '../../../gimming/agent/v2/Progress';
import type {
  StagedImport as _gimming_agent_v2_StagedImport,
  StagedImport__Output as _gimming_agent_v2_StagedImport__Output,
} from '../../../gimming/agent/v2/StagedImport';

export interface ImportEvent {
  progress?: _gimming_agent_v2_Progress | null;
  staged?: _gimming_agent_v2_StagedImport | null;
  event?: 'progress' | 'staged';
}

export interface ImportEvent__Output {
  progress?: _gimming_agent_v2_Progress__Output | null;
  staged?: _gimming_agent_v2_StagedImport__Output | null;
  event?: 'progress' | 'staged';
}
