// Original file: protos/gimming/agent/v2/agent.proto

import type {
  Created as _gimming_agent_v2_Created,
  Created__Output as _gimming_agent_v2_Created__Output,
} from '../../../gimming/agent/v2/Created';
import type {
  Progress as _gimming_agent_v2_Progress,
  Progress__Output as _gimming_agent_v2_Progress__Output,
} from '../../../gimming/agent/v2/Progress';
import type {
  Done as _gimming_agent_v2_Done,
  Done__Output as _gimming_agent_v2_Done__Output,
} from '../../../gimming/agent/v2/Done';

export interface CopyEvent {
  created?: _gimming_agent_v2_Created | null;
  progress?: _gimming_agent_v2_Progress | null;
  done?: _gimming_agent_v2_Done | null;
  event?: 'created' | 'progress' | 'done';
}

export interface CopyEvent__Output {
  created?: _gimming_agent_v2_Created__Output | null;
  progress?: _gimming_agent_v2_Progress__Output | null;
  done?: _gimming_agent_v2_Done__Output | null;
  event?: 'created' | 'progress' | 'done';
}
