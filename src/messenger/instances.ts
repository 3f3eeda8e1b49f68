/**
 * Messenger instances: a Facebook Page registered under an instance id. The registry holds the
 * record every channel has (channel 'messenger', status connected: a page has no socket to open);
 * the page id and token live in the credential store, which the API never returns.
 */
import { AppError } from '../shared/errors';
import type { AnyEventInput } from '../events/envelope';
import type { InstanceRegistry } from '../whatsapp/instances/registry';
import type { InstanceRecord } from '../whatsapp/types';
import type { CredentialStore } from './credentials';

export interface CreatePageInput {
  instanceId: string;
  pageId: string;
  pageAccessToken: string;
  webhookUrl?: string;
}

export const PAGE_ID_RE = /^\d{5,32}$/;

export class MessengerInstances {
  constructor(
    private readonly registry: Pick<InstanceRegistry, 'insert' | 'remove' | 'require'>,
    private readonly credentials: Pick<CredentialStore, 'save' | 'remove'>,
    private readonly publish: (event: AnyEventInput) => unknown,
  ) {}

  async create(input: CreatePageInput): Promise<InstanceRecord> {
    if (!PAGE_ID_RE.test(input.pageId)) throw new AppError('validation_failed', 'pageId: the Facebook Page id (digits)', { fields: [{ field: 'pageId', message: 'digits' }] });
    if (input.pageAccessToken.length < 20) throw new AppError('validation_failed', 'pageAccessToken: a Page access token', { fields: [{ field: 'pageAccessToken', message: 'too short' }] });
    const now = Date.now();
    const record: InstanceRecord = { instanceId: input.instanceId, channel: 'messenger', status: 'connected', createdAt: now, updatedAt: now };
    if (input.webhookUrl) record.webhookUrl = input.webhookUrl;
    if (!(await this.registry.insert(record))) throw new AppError('conflict', `instance ${input.instanceId} already exists; delete it first`);
    if (!(await this.credentials.save(input.instanceId, { pageId: input.pageId, accessToken: input.pageAccessToken }))) {
      await this.registry.remove(input.instanceId);
      throw new AppError('conflict', 'this Facebook Page is already registered under another instance');
    }
    this.publish({ type: 'connection.update', instanceId: input.instanceId, data: { status: 'connected', previousStatus: 'created' } });
    return record;
  }

  async delete(record: InstanceRecord): Promise<void> {
    await this.credentials.remove(record.instanceId);
    await this.registry.remove(record.instanceId);
    this.publish({ type: 'connection.update', instanceId: record.instanceId, data: { status: 'deleted', previousStatus: record.status } });
  }
}
