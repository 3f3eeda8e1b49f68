/** Data of the operator events about webhook delivery itself (docs/events.md). */
export interface WebhookEndpointData {
  /** the endpoint's id in GET /webhooks/endpoints */
  endpointId: string;
  url: string;
  /** paused: circuit opened after failures in a row; resumed: a probe got through; disabled: answered 410; enabled: by POST /webhooks/endpoints/:id/enable */
  state: 'paused' | 'resumed' | 'disabled' | 'enabled';
  /** paused: failures counted */
  failures?: number;
  /** paused: how long until the probe */
  pauseMs?: number;
  until?: string;
  /** paused, disabled: the last failure */
  reason?: string;
  /** disabled: the HTTP status that disabled it (410) */
  httpStatus?: number;
}
