// Account restrictions as Baileys 7.0.0-rc14 learns them: the reachout timelock ("you can't message
// new contacts for a while") and the new-chat message cap, both pushed as <notification type=mex>
// and fetched with w:mex GraphQL queries.
//
// Push: lib/Socket/messages-recv.js:796-807 processNotification, type 'mex' -> :90-150
// handleMexNotification: <update op_name=…> whose content is JSON `{ data: … }` (JSON.parse of
// updateNode.content.toString(), :99-112).
//  - op_name NotificationUserReachoutTimelockUpdate -> :151-182 handleReachoutTimelockNotification reads
//    data.xwa2_notify_account_reachout_timelock.{ is_active, time_enforcement_ends (unix seconds, string),
//    enforcement_type (a Types/State ReachoutTimelockEnforcementType, else 'DEFAULT') } and emits
//    connection.update { reachoutTimeLock: { isActive, timeEnforcementEnds: Date, enforcementType } }
//    (lifted: { isActive: false, enforcementType: 'DEFAULT' }).
//  - op_name MessageCappingInfoNotification -> :183-191 handleMessageCappingNotification emits
//    'message-capping.update' with data.xwa2_notify_new_chat_messages_capping_info_update as is
//    (Types/State.d.ts:87-96 NewChatMessageCapInfo: total_quota, used_quota, cycle_*_timestamp,
//    server_sent_timestamp, ote_status, mv_status, capping_status).
// Fetch: lib/Socket/socket.js:906-917 fetchAccountReachoutTimelock and :922-924 fetchNewChatMessageCap
// send <iq xmlns=w:mex type=get><query query_id=…>{"variables":…}</query></iq> (Socket/mex.js:3-20);
// mex.js:21-40 executeWMexQuery reads <result> JSON data[<path>] (Types/Mex.js:17-18, :34-35).

const REACHOUT_QUERY = '23983697327930364'; // Types/Mex.js:34 QueryIds.REACHOUT_TIMELOCK
const CAPPING_QUERY = '24503548349331633'; // Types/Mex.js:35 QueryIds.MESSAGE_CAPPING_INFO

let seq = 0;
const now = () => String(Math.floor(Date.now() / 1000));
const seconds = (t) => String(Math.floor((t instanceof Date ? t.getTime() : Number(t)) / (t instanceof Date ? 1000 : 1)));

/** The server-side payload of a timelock: { active, endsAt (Date or unix seconds), enforcementType }. */
export function timelockPayload({ active = true, endsAt, enforcementType } = {}) {
  const p = { is_active: !!active };
  if (endsAt !== undefined) p.time_enforcement_ends = seconds(endsAt);
  if (enforcementType) p.enforcement_type = enforcementType;
  return p;
}

function mexNotification(opName, data) {
  return {
    tag: 'notification',
    attrs: { from: 's.whatsapp.net', type: 'mex', id: `mex-${++seq}`, t: now() },
    content: [{ tag: 'update', attrs: { op_name: opName }, content: Buffer.from(JSON.stringify({ data })) }],
  };
}

/** <notification type=mex> for a timelock set (active) or lifted (active: false). */
export function reachoutTimelockNotification(opts) {
  return mexNotification('NotificationUserReachoutTimelockUpdate', { xwa2_notify_account_reachout_timelock: timelockPayload(opts) });
}

/** <notification type=mex> with a new-chat message cap update (NewChatMessageCapInfo fields). */
export function messageCappingNotification(info) {
  return mexNotification('MessageCappingInfoNotification', { xwa2_notify_new_chat_messages_capping_info_update: info });
}

/**
 * Answer to a w:mex query for the restrictions state held in `state` ({ timelock, capping }), or
 * undefined for other queries. Unset state answers "no restriction".
 */
export function answerMex(state, node) {
  const query = Array.isArray(node.content) ? node.content.find((c) => c.tag === 'query') : undefined;
  let data;
  if (query?.attrs.query_id === REACHOUT_QUERY) data = { xwa2_fetch_account_reachout_timelock: state.timelock ?? { is_active: false } };
  else if (query?.attrs.query_id === CAPPING_QUERY) data = { xwa2_message_capping_info: state.capping ?? {} };
  else return undefined;
  const result = { tag: 'result', attrs: {}, content: Buffer.from(JSON.stringify({ data })) };
  return { tag: 'iq', attrs: { from: 's.whatsapp.net', type: 'result', id: node.attrs.id }, content: [result] };
}
