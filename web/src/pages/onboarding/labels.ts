// Tag colours of the onboarding page.
import type { TagType } from '../registry/labels';
import type { Stage } from './onboarding-api';

/** By stage; keyed by string, as the API answers an entry's stage. */
export const stageTag: Record<string, TagType> = {
  not_started: 'info',
  contacting: 'warning',
  docking: 'primary',
  testing: 'primary',
  connected: 'success',
  paused: 'danger',
} satisfies Record<Stage, TagType>;
