// Tag colours of the onboarding page.
import type { TagType } from '../registry/labels';
import type { Stage } from './onboarding-api';

export const stageTag: Record<Stage, TagType> = {
  not_started: 'info',
  contacting: 'warning',
  docking: 'primary',
  testing: 'primary',
  connected: 'success',
  paused: 'danger',
};
