import type { InstanceSettings } from '../whatsapp/types';
import type { SendContent } from '../channels/content';

export interface TypingOptions {
  /** TYPING_SIMULATION: default for instances without settings.typing */
  enabled: boolean;
  msPerChar: number;
  maxMs: number;
  settings: (instanceId: string) => Promise<InstanceSettings | undefined>;
}

/**
 * How long to show "typing..." before a message: proportional to its text (or caption), capped,
 * and zero for content a person does not type (reactions, locations, contacts, bare media).
 */
export async function typingDelayMs(content: SendContent, opts: TypingOptions, instanceId: string): Promise<number> {
  const on = (await opts.settings(instanceId))?.typing ?? opts.enabled;
  if (!on) return 0;
  const text = content.type === 'text' ? content.text : 'caption' in content ? content.caption ?? '' : '';
  return Math.min(opts.maxMs, text.length * opts.msPerChar);
}
