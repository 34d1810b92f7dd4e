// Original file: protos/gimming/agent/v2/agent.proto

import type {
  Image as _gimming_agent_v2_Image,
  Image__Output as _gimming_agent_v2_Image__Output,
} from '../../../gimming/agent/v2/Image';
import type {
  Proof as _gimming_agent_v2_Proof,
  Proof__Output as _gimming_agent_v2_Proof__Output,
} from '../../../gimming/agent/v2/Proof';

export interface Done {
  image?: _gimming_agent_v2_Image | null;
  proof?: _gimming_agent_v2_Proof | null;
}

export interface Done__Output {
  image: _gimming_agent_v2_Image__Output | null;
  proof: _gimming_agent_v2_Proof__Output | null;
}
