import type { Redis } from 'ioredis';
import type { Config } from '../shared/config';
import { redisKeys } from '../shared/keys';
import { RestrictionStore } from '../whatsapp/restriction/store';
import { InboundChats } from '../whatsapp/inbound-chats';
import { budgetDefaults, BudgetConfig } from './defaults';
import { SendBudget, SendBudgetOptions } from './send-budget';

export type SendBudgetConfig = BudgetConfig & Pick<Config, 'QUEUE_PREFIX' | 'MESSAGE_RETENTION_DAYS'>;

/**
 * The budget of a process from its config: the defaults of the environment, and the state
 * whatsapp-server keeps in Redis (restriction state, the chats that wrote to us). Each process
 * (message-worker, broadcast-worker, whatsapp-server) builds its own; they share everything through Redis.
 */
export function createSendBudget(config: SendBudgetConfig, redis: Redis, deps: Omit<SendBudgetOptions, 'defaults' | 'newChats'>): SendBudget {
  const keys = redisKeys(config.QUEUE_PREFIX);
  const retentionMs = config.MESSAGE_RETENTION_DAYS * 86_400_000;
  const newChats = { restrictions: new RestrictionStore(redis, keys, retentionMs), chats: new InboundChats(redis, keys, retentionMs) };
  return new SendBudget(redis, keys, { ...deps, defaults: budgetDefaults(config), newChats });
}
